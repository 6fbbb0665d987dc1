from cases.offline import offline_user


def navigation(request):
    """Role flags for the header; the to-do counts come from home.todo when present."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"user_role": user.role}
    if offline_user(user) is not None:
        context["offline_user_id"] = user.pk  # the phone keeps this user's field pages (cases.offline)
    try:
        from home.todo import todo_counts
    except ImportError:
        return context
    context["todo"] = todo_counts(user)
    return context
