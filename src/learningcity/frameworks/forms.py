"""The upload form of a framework file: a .yaml file of at most 1 MB, in UTF-8. The rules are the engine's."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

MAX_BYTES = settings.FRAMEWORK_MAX_BYTES  # 1 MB, as the messages say
EXTENSIONS = (".yaml", ".yml")


class FrameworkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Framework file (.yaml)"),
        help_text=_("UTF-8 text, at most 1 MB. A new version number creates a new version."),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml"}),
    )

    def clean_file(self) -> tuple[str, str]:
        """The file's name (for messages) and its text."""
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name or "framework.yaml").name[:200]
        if not name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Choose a .yaml file."), code="extension")
        if upload.size is None or upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."), code="size")
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."), code="size")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("The file is not UTF-8 text (byte %(position)s cannot be read). Save it as UTF-8."),
                code="encoding",
                params={"position": exc.start + 1},
            ) from exc
        if "\x00" in text:
            raise forms.ValidationError(_("The file is not a text file."), code="binary")
        return name, text
