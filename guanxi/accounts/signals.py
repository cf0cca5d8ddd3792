"""A password change, however it happens (own page, API, admin, `changepassword`), revokes
every API token of that user; a log-in brings the account's stored language along."""

from django.contrib.auth import get_user_model, user_logged_in
from django.db.models.signals import pre_save
from django.dispatch import receiver


@receiver(pre_save, sender=get_user_model())
def revoke_tokens_on_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        from .services import revoke_all_tokens

        revoke_all_tokens(instance)


@receiver(user_logged_in)
def bring_stored_language(sender, request, user, **kwargs):
    """Mark the request with the account's stored language (Profile.language, if any) for
    StoredLanguageMiddleware, which sets the language cookie to it on the answer."""
    profile = getattr(user, "profile", None)
    if request is not None and profile is not None and profile.language:
        request.stored_language_at_login = profile.language
