"""Account forms."""

from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from kb.accounts.models import NAME_IS_ADDRESS, ROLE_LABELS, is_address
from kb.accounts.services import MIN_PASSWORD_LENGTH, ScopeRegionMissing, moderation_scope_as_stored
from kb.forms import Form

PASSWORD_HINT = f"Не короче {MIN_PASSWORD_LENGTH} символов."


# The purpose of each field a person fills about themselves (WCAG 1.3.5): browsers and password managers fill
# them in, and assistive technology can say what they are for.
EMAIL = {"autocomplete": "email"}
CURRENT_PASSWORD = {"autocomplete": "current-password"}
NEW_PASSWORD = {"autocomplete": "new-password"}


class LoginForm(Form):
    email = EmailField("Электронная почта", render_kw=EMAIL,
                       validators=[DataRequired("Укажите адрес."), Length(max=254)])
    password = PasswordField("Пароль", render_kw=CURRENT_PASSWORD,
                             validators=[DataRequired("Укажите пароль."), Length(max=200)])


class ProfileForm(Form):
    """What a person tells about themselves: asked at registration, changed on «Изменить профиль»."""

    name = StringField("Фамилия, имя, отчество", render_kw={"autocomplete": "name"},
                       validators=[DataRequired("Укажите имя."), Length(max=200)])
    organisation = StringField("Организация", render_kw={"autocomplete": "organization"},
                               validators=[Optional(), Length(max=500)])
    region = SelectField("Регион", render_kw={"autocomplete": "address-level1"}, validators=[Optional()],
                         validate_choice=True)

    def validate_name(self, field: StringField) -> None:
        if is_address(field.data or ""):
            raise ValidationError(NAME_IS_ADDRESS)


class RegisterForm(ProfileForm):
    email = EmailField("Электронная почта", render_kw=EMAIL, validators=[
        DataRequired("Укажите адрес."), Email("Проверьте адрес электронной почты."), Length(max=254)])
    password = PasswordField("Пароль", description=PASSWORD_HINT, render_kw=NEW_PASSWORD, validators=[
        DataRequired("Придумайте пароль."), Length(min=MIN_PASSWORD_LENGTH, max=200, message=PASSWORD_HINT)])
    password_again = PasswordField("Пароль ещё раз", render_kw=NEW_PASSWORD, validators=[
        DataRequired("Повторите пароль."), EqualTo("password", "Пароли не совпадают.")])
    # 152-ФЗ: consent to the processing of personal data, given by the person, its time kept (User.consent_at)
    consent = BooleanField("Я согласен(на) на обработку персональных данных", validators=[
        DataRequired("Без согласия на обработку персональных данных учётную запись создать нельзя.")])


class DeleteAccountForm(Form):
    password = PasswordField("Ваш пароль", render_kw=CURRENT_PASSWORD,
                             validators=[DataRequired("Укажите пароль."), Length(max=200)])


class ForgotPasswordForm(Form):
    email = EmailField("Электронная почта", render_kw=EMAIL,
                       validators=[DataRequired("Укажите адрес."), Length(max=254)])


class ChangePasswordForm(Form):
    current = PasswordField("Текущий пароль", render_kw=CURRENT_PASSWORD,
                            validators=[DataRequired("Укажите текущий пароль.")])
    password = PasswordField("Новый пароль", description=PASSWORD_HINT, render_kw=NEW_PASSWORD, validators=[
        DataRequired("Придумайте пароль."), Length(min=MIN_PASSWORD_LENGTH, max=200, message=PASSWORD_HINT)])
    password_again = PasswordField("Новый пароль ещё раз", render_kw=NEW_PASSWORD, validators=[
        DataRequired("Повторите пароль."), EqualTo("password", "Пароли не совпадают.")])


class ResetPasswordForm(Form):
    password = PasswordField("Новый пароль", description=PASSWORD_HINT, render_kw=NEW_PASSWORD, validators=[
        DataRequired("Придумайте пароль."), Length(min=MIN_PASSWORD_LENGTH, max=200, message=PASSWORD_HINT)])
    password_again = PasswordField("Новый пароль ещё раз", render_kw=NEW_PASSWORD, validators=[
        DataRequired("Повторите пароль."), EqualTo("password", "Пароли не совпадают.")])


class RoleForm(Form):
    role = SelectField("Роль", choices=[SelectChoice(code, label) for code, label in ROLE_LABELS.items()])
    scope_region = SelectField("Регион модерации", validators=[Optional()], validate_choice=True)
    scope_organisation = StringField(
        "Организация модерации", validators=[Optional(), Length(max=500)],
        description="Пусто — методист модерирует весь регион; заполнено — только практики этой организации "
                    "в выбранном регионе (одноимённые школы других регионов — нет).")

    def validate_scope_organisation(self, field: StringField) -> None:
        if self.role.data == "methodist":
            try:
                moderation_scope_as_stored(self.scope_region.data, field.data)
            except ScopeRegionMissing as exc:
                raise ValidationError(str(exc)) from exc
