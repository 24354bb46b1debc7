from django import template

register = template.Library()


@register.filter
def listed_name(user) -> str:
    """A person's name in a list, with their 工号 where `accounts.selectors.tell_apart`
    found another person of the same name in it."""
    return getattr(user, "listed_name", user.name)
