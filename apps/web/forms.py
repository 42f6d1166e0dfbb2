"""Form fields of the pages: labels and limits live here, rules live in the services."""

from django import forms


class SignupForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    display_name = forms.CharField(label="Your name (optional)", max_length=150, required=False)
    password = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class LoginForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    password = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)


class QuizForm(forms.Form):
    question_count = forms.IntegerField(label="Number of questions", min_value=1, max_value=50, initial=5)
    question_types = forms.MultipleChoiceField(
        label="Question types",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("multiple_choice", "Multiple choice"),
            ("true_false", "True or false"),
            ("cloze", "Fill in the blank"),
            ("short_answer", "Short answer"),
        ],
    )


class ChatForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, required=False)
    document_id = forms.TypedChoiceField(label="Ask about", coerce=int, required=False, empty_value=None)
