"""Form fields of the interface: WTForms' select, drawing its options in one format call each.

The coverage search shows a list of every outlet (hundreds) and the clip forms another:
WTForms builds each ``<option>`` through its generic attribute writer, which took a third of
the search page's time. The markup is the same.
"""

from markupsafe import Markup
from wtforms import SelectField as _SelectField
from wtforms import widgets

# As WTForms writes them (attributes in alphabetical order).
OPTION = Markup('<option value="{}">{}</option>')
SELECTED_OPTION = Markup('<option selected value="{}">{}</option>')


class Select(widgets.Select):
    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)  # attributes: WTForms' own writer
        label = choice.label or choice.value
        return (SELECTED_OPTION if choice.selected else OPTION).format(choice.value, label)


class SelectField(_SelectField):
    widget = Select()
