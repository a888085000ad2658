"""The project's commands speak Russian in click's own messages too: a usage error («Error: No such option»), the
usage line and headings of --help, a prompt without a terminal («Aborted!»), Ctrl+C.

``command`` is ``click.command`` with ``KbCommand``: click's documented way to change how a command parses and
formats (its ``cls``), so nothing of click is patched. What stays English is what the `flask` group itself says
before one of these commands is found (`flask --app kb --bogus`, `flask --app kb --help`) and Flask-Migrate's `db`
commands: they are not the project's.
"""

from __future__ import annotations

import functools
import re
import sys

import click

USAGE = "Использование: "
HELP = "Показать эту справку и выйти."
# What click appends to an option's help («[default: 0.5]», «[required]»), in Russian.
_HELP_EXTRAS = (("default: ", "по\u00a0умолчанию: "), ("required", "обязательный"))  # kept on one line
# The placeholder of an option's value in the help, by its type (a Choice lists its values).
_METAVARS = ((click.types.FloatParamType, "ЧИСЛО"), (click.types.IntParamType, "ЧИСЛО"), (click.Path, "ПУТЬ"),
             (click.types.StringParamType, "ТЕКСТ"))
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)")
_PATH_PROBLEM = re.compile(r"(?:File|Directory|Path) (?P<path>'.*') (?P<problem>does not exist|is a directory|"
                           r"is a file|is not readable|is not writable|is not executable)\.")
_PATH_PROBLEMS = {"does not exist": "такого файла или папки нет", "is a directory": "это папка, а нужен файл",
                  "is a file": "это файл, а нужна папка", "is not readable": "нет прав на чтение",
                  "is not writable": "нет прав на запись", "is not executable": "нет прав на запуск"}


class KbUsageError(click.UsageError):
    """A usage error shown in Russian; exit code 2, as click's own."""

    def show(self, file=None) -> None:
        lines = []
        if self.ctx is not None:
            lines.append(self.ctx.get_usage())
            if self.ctx.command.get_help_option(self.ctx) is not None:
                lines.append(f"Справка: {self.ctx.command_path} --help")
            lines.append("")
        lines.append(f"Ошибка: {self.format_message()}")
        click.echo("\n".join(lines), err=True)


class KbInterrupted(click.ClickException):
    """A command stopped by its operator (Ctrl+C) or a prompt left without an answer; exit code 1, as click's
    «Aborted!»."""

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


INPUT_MISSING = "Ввод прерван: значение не введено (без терминала укажите его параметром, например --password)."


class RepeatedPrompt(click.Option):
    """An option asked for twice at its prompt (a new password), with a Russian answer when the two differ: click's
    own confirmation says «Error: The two entered values do not match.». ``repeat`` is the second prompt."""

    def __init__(self, *args, repeat: str, mismatch: str, **kwargs) -> None:
        kwargs["confirmation_prompt"] = False
        super().__init__(*args, **kwargs)
        self.repeat, self.mismatch = repeat, mismatch

    def prompt_for_value(self, ctx: click.Context):
        while True:
            first = click.prompt(self.prompt, hide_input=self.hide_input)
            if click.prompt(self.repeat, hide_input=self.hide_input) == first:
                return first
            click.echo(self.mismatch, err=True)


def on_terminal() -> bool:
    """Whether a person can answer a prompt: the input is a terminal, not a script's pipe or nothing."""
    return sys.stdin.isatty()


class TerminalPrompt(click.Option):
    """An option asked for at its prompt only on a terminal. Without one it keeps its default, as if not asked: a
    script pipes in the answers of the other prompts (create-user's password), and this prompt must not take their
    lines. On a terminal it asks again until ``check`` (the reason an answer does not do, or None) passes; an
    empty answer is asked again by click itself."""

    def __init__(self, *args, check=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.check = check

    def prompt_for_value(self, ctx: click.Context):
        if not on_terminal():
            return self.get_default(ctx)
        while True:
            value = click.prompt(self.prompt).strip()
            problem = self.check(value) if self.check is not None else None
            if problem is None:
                return value
            click.echo(problem, err=True)


YES_ANSWERS = frozenset({"да", "yes", "y"})
NO_ANSWERS = frozenset({"нет", "no", "n"})
YES_NO_AGAIN = "Ответьте «да» или «нет»."


def confirm(question: str, unanswered: str = INPUT_MISSING) -> bool:
    """A yes/no question in Russian: «да» or «нет» (y/n too, in any case), an empty answer is «нет». click.confirm
    took only y/n and answered «нет» with «Error: invalid input». Another answer is asked again; a prompt left
    without one (no terminal and nothing piped, Ctrl+D, Ctrl+C) stops the command with ``unanswered``."""
    while True:
        try:
            answer = click.prompt(f"{question} [да/нет]", default="", show_default=False, prompt_suffix=": ")
        except click.Abort:
            raise KbInterrupted(unanswered) from None
        answer = answer.strip().lower()
        if answer in YES_ANSWERS:
            return True
        if answer in NO_ANSWERS or not answer:
            return False
        click.echo(YES_NO_AGAIN, err=True)


class KbCommand(click.Command):
    """click.Command with Russian usage errors, usage line and help headings."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[ПАРАМЕТРЫ]")
        super().__init__(*args, **kwargs)
        for param in self.params:  # «--name TEXT», «--keep-days FLOAT RANGE» in the help
            if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
                param.metavar = next((name for kind, name in _METAVARS if isinstance(param.type, kind)), None)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Without a terminal (a password piped in, or none at all) getpass warned in English that the input may
        # be echoed: there is nothing to hide it from, so such a prompt reads its line plainly.
        plain = [param for param in self.params if isinstance(param, click.Option) and param.hide_input
                 and not sys.stdin.isatty()]
        for param in plain:
            param.hide_input = False
        try:
            return super().parse_args(ctx, args)
        except KbUsageError:
            raise
        except click.UsageError as error:
            raise KbUsageError(usage_message(error, ctx), ctx) from None
        except click.Abort:  # a prompt (create-user's password) without a terminal, or Ctrl+C / Ctrl+D at it
            raise KbInterrupted(INPUT_MISSING) from None
        finally:
            for param in plain:
                param.hide_input = True

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise KbInterrupted("Прервано (Ctrl+C).") from None
        except click.Abort:  # a prompt of the command's own left without an answer (click's «Aborted!»)
            raise KbInterrupted(INPUT_MISSING) from None

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [_russian_help_record(record) for param in self.get_params(ctx)
                if not isinstance(param, click.Argument) and (record := param.get_help_record(ctx)) is not None]
        if rows:
            with formatter.section("Параметры"):
                formatter.write_dl(rows)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP
        return option


command = functools.partial(click.command, cls=KbCommand)


def _russian_help_record(record: tuple[str, str]) -> tuple[str, str]:
    names, text = record
    if text.endswith("]") and "[" in text:
        head, _, extra = text.rpartition("[")
        for english, russian in _HELP_EXTRAS:
            extra = extra.replace(english, russian)
        text = f"{head}[{extra}"
    return names, text


def _param_name(param: click.Parameter | None, ctx: click.Context | None) -> str:
    if param is None:
        return ""
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.get_error_hint(ctx).replace("'", "")


def usage_message(error: click.UsageError, ctx: click.Context) -> str:
    """click's English usage error in Russian; a message click does not make (a callback's own) as it is."""
    if isinstance(error, click.NoSuchOption):
        guess = f" Может быть, {', '.join(sorted(error.possibilities))}?" if error.possibilities else ""
        return f"нет такого параметра: {error.option_name}.{guess}"
    if isinstance(error, click.MissingParameter):  # before BadParameter: it is one
        what = "аргумент" if isinstance(error.param, click.Argument) else "параметр"
        name = _param_name(error.param, ctx)
        return f"не указан {what} {name}{'' if name.endswith(('.', '…')) else '.'}" if name else f"не указан {what}."
    if isinstance(error, click.BadParameter):
        name = error.param_hint if isinstance(error.param_hint, str) else _param_name(error.param, ctx)
        return f"неверное значение {name}: {_bad_value(error)}"
    if isinstance(error, click.BadOptionUsage):
        if "requires an argument" in error.message:
            return f"параметру {error.option_name} нужно значение."
        if "does not take a value" in error.message:
            return f"параметр {error.option_name} не принимает значения."
    if match := _EXTRA_ARGUMENTS.fullmatch(error.message):
        return f"лишние аргументы: {match['args']}."
    return error.format_message()


def _bad_value(error: click.BadParameter) -> str:
    message = error.message
    if re.match("[а-яё]", message, re.IGNORECASE):  # a callback's own message (click's start with the value)
        return message
    kind = error.param.type if error.param is not None else None
    if isinstance(kind, click.FloatRange | click.IntRange):
        return f"нужно {'целое ' if isinstance(kind, click.IntRange) else ''}число{_range(kind)}."
    if isinstance(kind, click.types.FloatParamType):
        return "нужно число."
    if isinstance(kind, click.types.IntParamType):
        return "нужно целое число."
    if isinstance(kind, click.Choice):
        return f"допустимо одно из: {', '.join(map(str, kind.choices))}."
    if isinstance(kind, click.Path) and (match := _PATH_PROBLEM.fullmatch(message)):
        return f"«{match['path'][1:-1]}» — {_PATH_PROBLEMS[match['problem']]}."
    return message


def _range(kind: click.FloatRange | click.IntRange) -> str:
    low = None if kind.min is None else f"{'больше' if kind.min_open else 'не меньше'} {kind.min:g}"
    high = None if kind.max is None else f"{'меньше' if kind.max_open else 'не больше'} {kind.max:g}"
    return " " + ", ".join(part for part in (low, high) if part) if low or high else ""
