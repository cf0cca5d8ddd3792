"""The messages a page shows: a confirmation queued by an earlier action is not shown next to
the error of this one (the page's script does the same for htmx answers)."""

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string


def _shown(*queued):
    html = render_to_string("includes/messages.html", {"messages": list(queued)})
    return [m.message for m in queued if m.message in html]


def test_an_error_hides_the_confirmations_before_it_but_not_after_it():
    saved = Message(constants.SUCCESS, "Interaction saved.")
    refused = Message(constants.ERROR, "Give the interaction a subject.")
    warned = Message(constants.WARNING, "Check the owner.")
    done = Message(constants.SUCCESS, "Task done.")

    assert _shown(saved, refused) == ["Give the interaction a subject."]
    assert _shown(saved, warned, done) == ["Check the owner.", "Task done."]
    assert _shown(refused, done) == ["Give the interaction a subject.", "Task done."]


def test_confirmations_of_one_action_all_stay():
    # a contact saved on top of a colleague's change: both sentences belong to that save
    saved = Message(constants.SUCCESS, "Contact saved.")
    rebased = Message(constants.INFO, "Saved on top of the change Li Si made meanwhile.")
    assert _shown(saved, rebased) == [
        "Contact saved.",
        "Saved on top of the change Li Si made meanwhile.",
    ]
