"""Form fields of the interface: WTForms' select, writing each option with one f-string.

The coverage search shows a list of every outlet (hundreds) and the clip forms another:
WTForms builds each ``<option>`` through its generic attribute writer, which took a third of
the search page's time. The markup is the same.
"""

from markupsafe import Markup, escape
from wtforms import SelectField as _SelectField
from wtforms import widgets


def option(value, label, selected: bool = False) -> Markup:
    """``<option>`` as WTForms writes it (attributes in alphabetical order), escaped."""
    attributes = "selected " if selected else ""
    return Markup(f'<option {attributes}value="{escape(value)}">{escape(label)}</option>')


class Select(widgets.Select):
    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)  # attributes: WTForms' own writer
        return option(choice.value, choice.label or choice.value, choice.selected)


class SelectField(_SelectField):
    widget = Select()
