from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .excel import max_upload_bytes, max_upload_label


class XlsxUploadForm(forms.Form):
    """The upload of every Excel import page."""

    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self) -> "UploadedFile[bytes]":
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        # FileField has refused a file without a name or without content already.
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件。"))
        if (upload.size or 0) > max_upload_bytes():
            raise forms.ValidationError(_("文件不能超过 %(size)s。") % {"size": max_upload_label()})
        return upload
