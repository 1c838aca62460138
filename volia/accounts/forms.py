from __future__ import annotations

from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={
        "autocomplete": "username", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}))
    password = forms.CharField(max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.CharField(max_length=32, label="Code", widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none", "spellcheck": "false",
        "autofocus": True}))
