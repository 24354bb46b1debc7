"""Limits that models and forms share."""

# Free text a person types (remarks, needs, comments, reviews): a screenful of Chinese,
# far above a day's notes, so it never cuts a real one short, and far below the request
# limit, so a paste gone wrong is a field error that keeps the form, not a 400 page.
# Models carry it (ModelForms and the admin pick it up); plain forms name it.
FREE_TEXT_MAX_LENGTH = 2000
