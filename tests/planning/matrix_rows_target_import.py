"""Target import: admins only, as the staff import; everyone else 403, anonymous and
deactivated users → login."""

from tests.matrix import Row, anyone, everyone

ADMIN_ONLY = everyone(403, admin=200)

ROWS = [
    Row("planning:target_import", expect=ADMIN_ONLY),
    # An empty upload re-renders the form with its error.
    Row("planning:target_import", method="post", expect=ADMIN_ONLY),
    Row("planning:target_import_template", expect=ADMIN_ONLY),
    Row("planning:target_import_template", method="post", expect=anyone(405)),
    Row("planning:target_import_confirm", expect=anyone(405)),
    # Without a checked file's token: back to the import page with a message.
    Row("planning:target_import_confirm", method="post", expect=everyone(403, admin=302)),
]
