def user_name(user):
    if user is None:
        return None
    return user.get_full_name() or user.username


class ScopedInputMixin:
    """Point related fields at the caller's scope: ``scoped_fields = {field: Model}``."""

    scoped_fields = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, model in self.scoped_fields.items():
            field = self.fields[name]
            field = getattr(field, "child_relation", field)
            field.queryset = model.objects.visible_to(user)
