"""A transfer that takes the open tasks along (services_common.customers_transferred with
"tasks" in `move`): the old owner's open tasks on those customers go to the new owner."""


def customers_transferred(sender, actor, customer_ids, from_user, to_user, move, **kwargs):
    from .services import move_open_tasks

    if "tasks" in move:
        move_open_tasks(actor, customer_ids, from_user, to_user)
