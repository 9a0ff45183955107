from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "hoiso.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from hoiso.accounts import services
        from hoiso.accounts.seed import seed_roles
        from hoiso.org.restructure import register_mover

        # Role assignments on a unit that is merged or split follow the unit's successor.
        register_mover(services.role_assignments_follow_restructure)
        # Every app's post_migrate: permissions of apps after this one exist only later.
        post_migrate.connect(seed_roles, dispatch_uid="hoiso.accounts.seed_roles")

        from django.db.models.signals import m2m_changed, post_save

        from hoiso.accounts.models import Role
        from hoiso.core.access import bump_scope_generation

        # A role's permissions or kind changed (admin, seed): every cached scope is stale.
        def role_changed(**kwargs: object) -> None:
            bump_scope_generation()

        m2m_changed.connect(role_changed, sender=Role.permissions.through, weak=False)
        post_save.connect(role_changed, sender=Role, weak=False)
