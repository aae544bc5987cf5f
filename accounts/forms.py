from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(
        max_length=150, help_text="The name other people see. Your legal name comes later."
    )
    email = forms.EmailField()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email", "account_type")
