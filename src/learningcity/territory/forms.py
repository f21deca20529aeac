"""Forms of the territory's pages: the administrators' boundary upload."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from . import boundaries
from .models import Level

EXTENSIONS = (".geojson", ".json")


class BoundaryUploadForm(forms.Form):
    """What the page asks for; the file itself is checked by `boundaries.boundaries_upload`."""

    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_(
            "A FeatureCollection in WGS 84 longitude/latitude: one Polygon or MultiPolygon feature per unit, "
            "its official code in a property named code, ma, ma_xa (communes) or ma_tinh (provinces)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
    )
    level = forms.ChoiceField(
        label=_("Units"),
        choices=[(Level.PROVINCE, _("Today's provinces")), (Level.COMMUNE, _("Today's communes"))],
        initial=Level.COMMUNE,
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=boundaries.SOURCE_LENGTH,
        help_text=_("Who drew the boundaries and where they were obtained; the maps credit it."),
    )
    licence = forms.CharField(
        label=_("Licence"),
        max_length=boundaries.LICENCE_LENGTH,
        help_text=_("For example CC BY 4.0, ODbL, or the agreement under which the data was provided."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not PurePath(upload.name or "").name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Choose a .geojson or .json file."), code="extension")
        # Refused here so that an oversized upload is never read into memory.
        limit = boundaries.max_bytes()
        if upload.size is None or upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(size)s; split it into several files."),
                code="size",
                params={"size": filesizeformat(limit)},
            )
        return upload
