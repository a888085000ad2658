"""Command-line interface: flask --app kb <command>."""

from __future__ import annotations

import contextlib
import copy
import errno
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from kb.attachments.extract import KINDS
from kb.bulkimport.commands import import_practices_command
from kb.cli import RepeatedPrompt, TerminalPrompt, command, confirm
from kb.errors import os_error_reason
from kb.extensions import db, missing_schema, missing_tables
from kb.schema import SCHEMA_BEHIND, UnknownSchema, migrate_schema, schema_behind
from kb.search.outbox import KEEP_DAYS
from kb.templating import plural


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    for each in _commands():
        app.cli.add_command(each)
    _migrations_need_instance(app)


def _migrations_need_instance(app: Flask) -> None:
    """Flask-Migrate's `db` group (`db upgrade`, `db current`…) stops on a missing instance folder with the same
    one line as the bank's commands, not a traceback of «unable to open database file»: the check is in the
    group's callback, which click runs before any of its commands. The app gets its own copy of the group, so
    Flask-Migrate's object (shared by every app in the process) stays as it is."""
    group = app.cli.commands.get("db")
    if group is None:
        return
    own = copy.copy(group)
    own.help, own.short_help = DB_GROUP_HELP, "Миграции схемы (Flask-Migrate)."
    _instance_required(own)
    app.cli.add_command(own, name="db")


# What `flask --app kb --help` says of Flask-Migrate's group (its commands stay English). Flask-Limiter's `limiter`
# group comes from a plugin entry point that flask itself loads before the app's commands: not the app's to word.
DB_GROUP_HELP = ("Миграции схемы базы данных (Flask-Migrate; его команды и сообщения — по-английски). Банк после "
                 "обновления программы обновляет flask --app kb init: миграции, словари и индекс.")


def _commands() -> list[click.Command]:
    return [init_command, demo_command, import_resolution_command, detect_municipalities_command,
            detect_topics_command, reindex_command, check_index_command, sync_index_command, prune_outbox_command,
            check_files_command, reread_files_command, create_user_command, block_user_command, delete_user_command,
            backup_command, indexer_command, restore_command, import_practices_command]


def _database_errors_reported(callback, check_schema: bool = True):
    """A command meeting a database that does not answer (a wrong KB_DATABASE_URL, the server down, a full
    disk under SQLite) or has no tables of the bank yet, an index folder it cannot make or write (init, demo,
    sync-index: the lock file beside it, the index itself) or an index it cannot read says so in one line and
    exits with 1, instead of a traceback. With ``check_schema`` (all but init and restore, which migrate) a schema
    this version's migrations have not all run on (the code updated, `init` not run) stops it first, naming init:
    it had said «База данных недоступна (no such column: …)», or done half of its work on the old schema."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from indexer import IndexUnavailable

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            if check_schema:
                _stop_on_schema_behind()
            return callback(*args, **kwargs)
        except OperationalError as exc:  # the app context (and its session) is already gone here
            _fail(_failure_reason(exc))
        except ProgrammingError as exc:  # PostgreSQL's «no tables» (SQLite's is an OperationalError), or column
            if not missing_schema(exc):
                raise
            _fail(_failure_reason(exc))
        except UnknownSchema as exc:
            _fail(str(exc))
        except (OSError, IndexUnavailable) as exc:
            if isinstance(exc, BrokenPipeError):  # the output's reader is gone: nobody to tell
                raise
            _fail(_failure_reason(exc))

    return run


def _stop_on_schema_behind() -> None:
    """A command stops before its work on a schema behind the code. A database that does not answer is left to the
    command: the writer (`indexer`) waits for it, the others say so."""
    if _schema_behind_now():
        _fail(SCHEMA_BEHIND)


def _schema_behind_now() -> bool:
    """Whether the command's database has a schema behind the code; False when that cannot be read."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        app = _command_app()
        if app is None:
            return False
        with app.app_context(), db.engine.connect() as connection:
            return schema_behind(connection) is not None
    except SQLAlchemyError:
        return False


def initialise() -> dict[str, int]:
    """Schema through migrations, then vocabularies, then an index this version can read; safe to run again."""
    from kb.search.services import rebuild_index

    counts = prepare_database()
    if index_rebuild_reason() is not None:
        rebuild_index()
    return counts


def prepare_database() -> dict[str, int]:
    """Schema through migrations, vocabularies, an index folder; returns the vocabularies' counts."""
    from kb.search.services import create_index
    from kb.vocabularies.services import load_vocabularies

    migrations = migrate_schema()
    counts = load_vocabularies()
    db.session.commit()
    create_index()
    return {**counts, "migrations": migrations}


NEW_INDEX = "Индекс этого экземпляра новый"


def index_rebuild_reason() -> str | None:
    """Why the index must be built from the database before the bank can search (Russian, for the operator);
    None when it is this version's and readable."""
    from indexer import IndexNewer, IndexOutdated, IndexUnavailable
    from kb.search.outbox import IndexOfAnotherDatabase, OutboxPruned, check_not_pruned, state_path
    from kb.search.services import get_index

    index_dir = current_app.config["INDEX_DIR"]
    if not state_path(index_dir).exists():
        # A new index copy (a new instance on an existing database): the outbox may no longer hold the
        # whole history, so build from the database first, then follow the outbox from that point.
        return NEW_INDEX
    try:
        get_index().doc_count()
    except IndexNewer:  # a rollback: this older version must build its own to search at all
        return "Индекс построен более новой версией программы"
    except IndexOutdated:  # an upgrade: its fields or its analysis are not this version's
        return "Индекс построен прежней версией программы"
    except IndexUnavailable as exc:
        return f"Индекс недоступен ({unreadable_reason(exc, index_dir)})"
    try:
        check_not_pruned(index_dir)
    except (IndexOfAnotherDatabase, OutboxPruned) as exc:  # a new database under its old index, a silent copy
        return following_reason(exc)
    finally:
        db.session.rollback()
    return None


def following_reason(exc: Exception) -> str:
    """Why an index copy cannot follow the change log on (``OutboxPruned``, ``IndexOfAnotherDatabase``), as the
    start of the line that says it is rebuilt: «…: перестраиваю его по базе данных.»"""
    from kb.search.outbox import OutboxPruned

    if isinstance(exc, OutboxPruned):
        return f"Индекс отстал ({exc})"
    return capitalised(str(exc))


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@command("init")
@with_appcontext
def init_command() -> None:
    """Создать или обновить базу данных (миграции), словари и индекс."""
    counts = prepare_database()
    dialect = current_app.config["SQLALCHEMY_DATABASE_URI"].split("://")[0]
    if counts["migrations"]:
        click.echo(f"База данных: {dialect} — схема обновлена (миграций применено: {counts['migrations']}).")
    else:
        click.echo(f"База данных: {dialect} — схема уже последней версии.")
    click.echo(
        "Словари: регионов {regions}, муниципалитетов {municipalities}, уровней {levels}, предметов {subjects}, "
        "тем {topics}, типов адресатов {addressee_types}.".format(**counts)
    )
    if (reason := index_rebuild_reason()) is not None:
        new = reason == NEW_INDEX
        click.echo(f"{reason}: {'строю' if new else 'перестраиваю'} его по базе данных.")
        _rebuild_with_progress(built="построен" if new else "перестроен", replacing=True)
    from kb.search.services import sync

    applied = sync()
    click.echo(f"Индекс: {current_app.config['INDEX_DIR']} (применено изменений: {applied}).")
    from kb.accounts.mail import NO_SITE_ADDRESS_RU, mail_configured, site_address

    if mail_configured() and site_address() is None:
        click.secho(NO_SITE_ADDRESS_RU, fg="yellow")
    from kb.extensions import CYRILLIC_LOWER_MISSING, cyrillic_lower_missing

    if (ctype := cyrillic_lower_missing(db.session.connection())) is not None:
        click.secho(CYRILLIC_LOWER_MISSING.format(ctype=ctype), fg="yellow")
    report_organisations_without_region()


def report_organisations_without_region() -> None:
    """The methodists and practices of organisations that migration x0org0000001 left without a region, listed
    for the operator (in yellow): by `init` after an upgrade, and by `restore` of an older version's archive,
    which runs that migration too."""
    if unplaced := organisation_scopes_without_region():
        click.secho(ORGANISATION_WITHOUT_REGION_RU + "\n" + "\n".join(
            f"  {user.email} — «{user.scope_organisation}»" for user in unplaced), fg="yellow")
    if orphans := organisation_practices_without_region():
        shown = ", ".join(str(practice_id) for practice_id in orphans[:MAX_LISTED])
        more = f" и ещё {len(orphans) - MAX_LISTED}" if len(orphans) > MAX_LISTED else ""
        click.secho(ORGANISATION_PRACTICES_WITHOUT_REGION_RU.format(count=len(orphans)) + f"\n  {shown}{more}",
                    fg="yellow")


ORGANISATION_WITHOUT_REGION_RU = (
    "Методисты организаций без региона модерации не видят ничего, кроме своих практик (организация модерируется "
    "только в своём регионе: одноимённые школы есть во многих регионах). Задайте каждому регион модерации на "
    "странице «Пользователи» (/admin/users):")


ORGANISATION_PRACTICES_WITHOUT_REGION_RU = (
    "Практики без региона в нумерации организации ({count}; загружены методистом организации из реестра без "
    "столбца «Регион», а методист этой организации с регионом не один или его нет): их модерируют только "
    "администраторы, и загрузка реестра их не находит. Укажите каждой регион (страница практики → "
    "«Редактировать»): методист организации в этом регионе будет её модерировать, и его следующая загрузка "
    "реестра обновит её, а не создаст заново. Номера практик:")
MAX_LISTED = 200  # practice ids init and restore print


def organisation_practices_without_region() -> list[int]:
    """Practices in an organisation's numbering («org:…») without a region, which migration x0org0000001 could
    not give one (no methodist of that organisation with a region, or several regions): nobody but the
    administrators moderates them until their region is set."""
    from sqlalchemy import select

    from kb.practices.models import Practice

    return list(db.session.scalars(select(Practice.id).where(
        Practice.external_scope.like("org:%"), Practice.region_code.is_(None)).order_by(Practice.id)))


def organisation_scopes_without_region() -> list:
    """Methodists whose organisation scope has no region (made before a region was asked for, with no region of
    their own for migration x0org0000001 to take): they moderate nothing until one is set."""
    from sqlalchemy import select

    from kb.accounts.models import User

    return list(db.session.scalars(select(User).where(
        User.role == "methodist", User.scope_organisation.is_not(None), User.scope_region_code.is_(None))
        .order_by(User.email)))


@command("demo")
@with_appcontext
def demo_command() -> None:
    """Загрузить демонстрационные практики и резолюции (повторный запуск ничего не дублирует)."""
    from kb.demo.services import load_demo
    from kb.search.services import sync

    report = load_demo()
    db.session.commit()
    click.echo(
        f"Демо-практики: добавлено {report.practices_created}, уже были {report.practices_existing}. "
        f"Демо-резолюции: добавлено {report.resolutions_created}, уже были {report.resolutions_existing}. "
        f"Файлы демо-практик: добавлено {report.files_created}, уже были {report.files_existing}."
    )
    if report.files_skipped:
        click.echo(f"Не созданы файлы PDF демо-практик ({report.files_skipped}): нет шрифта DejaVu "
                   f"(пакет fonts-dejavu-core или PDF_FONT_DIR).")
    if report.files_refused:
        click.echo(f"Не приложены файлы демо-практик ({report.files_refused}): их практики в архиве или уже с "
                   f"наибольшим числом файлов.")
    click.echo("Демо-входы (только для демонстрации; не загружайте демо-данные в рабочий банк):")
    for email, password, role in report.accounts:
        click.echo(f"  {role:<15} {email} / {password}")
    click.echo(f"Индекс обновлён: применено изменений {sync()}.")


@command("import-resolution")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="ФАЙЛ…")
@click.option("--publish", is_flag=True, help="Сразу опубликовать резолюцию.")
def import_resolution_command(files: tuple[Path, ...], publish: bool) -> None:
    """Импортировать резолюции конференций из файлов .txt, .md, .docx, .odt, .fodt, .rtf, .pdf, .doc."""
    from kb.resolutions.parser import MAX_FILE_SIZE, ResolutionFormatError
    from kb.resolutions.services import import_resolution_file, regions_host_first
    from kb.resolutions.staging import checked_upload
    from kb.search.services import sync
    from kb.templating import format_date_range, resolution_format_label

    failed = 0
    for path in files:
        click.secho(f"\n{path}", bold=True)
        if not path.is_file():
            click.secho("  Файл не найден.", fg="red", err=True)
            failed += 1
            continue
        try:
            if path.stat().st_size <= MAX_FILE_SIZE:  # the web import's check of the content's kind (else: too large)
                checked_upload(path.name, path.read_bytes())
            report = import_resolution_file(path, publish=publish)
            db.session.commit()
        except ResolutionFormatError as exc:
            db.session.rollback()
            click.secho(f"  Ошибка: {exc}", fg="red", err=True)
            failed += 1
            continue
        res, parsed = report.resolution, report.parsed
        state = "новая" if report.created else ("уже была в банке (найдена по тексту); исправить её можно на её "
                                                 f"странице, /resolutions/{report.resolution.id}: «Изменить»")
        click.echo(f"  Резолюция №{res.id}: {state}; статус: {'опубликована' if res.is_published else 'черновик'}")
        click.echo(f"  Название: {res.title}")
        click.echo(f"  Даты: {format_date_range(res.date_start, res.date_end) or '—'}")
        click.echo(f"  Место: {res.place or '—'}; формат: {resolution_format_label(res.format) or '—'}")
        click.echo(f"  Участники: {res.participants_text or '—'}")
        regions = regions_host_first(res)
        click.echo(f"  Регионы ({len(regions)}): {', '.join(r.name for r in regions) or '—'}")
        click.echo(f"  Муниципалитеты ({len(res.municipalities)}): "
                   f"{', '.join(m.name for m in res.municipalities) or '—'}")
        click.echo(f"  Темы ({len(res.topics)}): {', '.join(t.label for t in res.topics) or '—'}")
        groups = res.recommendations_by_addressee()
        click.echo(f"  Рекомендации: {len(res.recommendations)}, адресатов: {len(groups)}")
        for addressee, _type, items in groups:
            click.echo(f"    {addressee or 'Без указания адресата'}: {', '.join(i.number for i in items)}")
        for warning in parsed.warnings:
            click.secho(f"  Предупреждение: {warning}", fg="yellow")
    applied = sync()
    click.echo(f"\nИндекс обновлён: применено изменений {applied}.")
    if failed:
        _fail(f"Не импортировано файлов: {failed} из {len(files)}.")


_DRY_RUN = click.option("--dry-run", is_flag=True, help="Только показать, что будет найдено, ничего не меняя.")


_INCLUDING_HAND_MARKED = "--including-hand-marked"


def _including_hand_marked(what: str):
    return click.option(_INCLUDING_HAND_MARKED, "with_hand_marked", is_flag=True, help=(
        f"Заменить и {what}, отмеченные методистом вручную (в форме проверки загрузки или на странице «Изменить»): "
        "без этого флага такие резолюции остаются как есть."))


@command("detect-municipalities")
@with_appcontext
@click.option("--all", "redo", is_flag=True,
              help="Прочитать заново и резолюции, у которых муниципалитеты уже есть (кроме отмеченных вручную).")
@_including_hand_marked("муниципалитеты")
@_DRY_RUN
def detect_municipalities_command(redo: bool, with_hand_marked: bool, dry_run: bool) -> None:
    """Найти муниципалитеты, названные в текстах загруженных резолюций (для резолюций, загруженных до того, как банк
    стал их искать); регион города, названного как место («г. Магнитогорск», «в Миассе»), добавляется к регионам
    резолюции. Муниципалитеты, отмеченные методистом вручную, не заменяются без --including-hand-marked."""
    from kb.resolutions.services import detect_municipalities

    _detect_again("municipalities", detect_municipalities, lambda m: m.name, "муниципалитетов нет", redo,
                  with_hand_marked, dry_run)


@command("detect-topics")
@with_appcontext
@click.option("--all", "redo", is_flag=True,
              help="Прочитать заново и резолюции, у которых темы уже есть (кроме отмеченных вручную).")
@_including_hand_marked("темы")
@_DRY_RUN
def detect_topics_command(redo: bool, with_hand_marked: bool, dry_run: bool) -> None:
    """Найти темы, которые обсуждаются в текстах загруженных резолюций (для резолюций, загруженных до того, как банк
    стал их искать; темы рекомендаций не меняются). Темы, отмеченные методистом вручную, не заменяются без
    --including-hand-marked."""
    from kb.resolutions.services import detect_topics

    _detect_again("topics", lambda res: (detect_topics(res), []), lambda t: t.label, "тем нет", redo,
                  with_hand_marked, dry_run)


def _detect_again(attribute: str, detect, label, none_found: str, redo: bool, with_hand_marked: bool,
                  dry_run: bool) -> None:
    """Fill a resolution's ``attribute`` (a list of vocabulary entries with a code) with what ``detect`` finds in its
    text again, for every resolution without them (with ``redo``, for every one), saying what (``label`` of each);
    ``detect`` gives the entries and the regions the resolution gains with them. A resolution whose ``attribute`` a
    methodist marked by hand is left as it is, and counted, unless ``with_hand_marked``: then its values are
    replaced and no longer count as marked by hand. The index follows."""
    from sqlalchemy import select

    from kb.resolutions.models import Resolution
    from kb.resolutions.services import marked_by_hand
    from kb.search.services import sync

    changed = kept = 0
    for res in db.session.scalars(select(Resolution).order_by(Resolution.id)):
        stored = getattr(res, attribute)
        if stored and not redo:
            continue
        if marked_by_hand(res, attribute):
            if not with_hand_marked:
                kept += 1
                continue
            if not dry_run:
                setattr(res, f"{attribute}_by_hand", False)  # what is found now, whatever it is, is no hand work
        found, gained = detect(res)
        if {x.code for x in found} == {x.code for x in stored} and not gained:
            continue
        changed += 1
        added = (f"; {'добавлен регион' if len(gained) == 1 else 'добавлены регионы'}: "
                 f"{', '.join(r.name for r in gained)}" if gained else "")
        click.echo(f"Резолюция №{res.id} «{res.title}»: {', '.join(label(x) for x in found) or none_found}{added}")
        if not dry_run:
            setattr(res, attribute, found)
            res.regions.extend(gained)
    left = (f"Оставлено как отмечено вручную резолюций: {kept} (заменить и их: {_INCLUDING_HAND_MARKED})."
            if kept or redo else "")
    if dry_run:
        db.session.rollback()
        click.echo(f"Изменились бы резолюций: {changed} (ничего не сохранено).")
        if left:
            click.echo(left)
        return
    db.session.commit()
    applied = sync()
    click.echo(f"Изменено резолюций: {changed}; индекс обновлён: применено изменений {applied}.")
    if left:
        click.echo(left)


@command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Перестроить поисковый индекс целиком по базе данных."""
    _rebuild_with_progress()


def _rebuild_with_progress(built: str = "перестроен", replacing: bool = False) -> None:
    """Rebuild the index from the database with a progress bar (reindex; init and sync-index when the index needs
    it, ``replacing`` one whose results are not to be given meanwhile: ``rebuild_index``)."""
    from indexer import IndexUnavailable
    from indexer.bulk import BulkWriteError

    try:
        count = rebuild_shown(replacing=replacing)
    except BulkWriteError as exc:
        _fail(f"Переиндексация не удалась, прежний индекс остался на месте: {exc}")
    except IndexUnavailable as exc:
        _fail("Переиндексация не удалась, прежний индекс остался на месте: "
              f"{unreadable_reason(exc, current_app.config['INDEX_DIR'])}.")
    except OSError as exc:  # the new index is built beside the old one: twice the index's size is needed
        _fail(f"Переиндексация не удалась, прежний индекс остался на месте: {os_error_reason(exc)}.")
    click.echo(rebuilt_line(count, built))


def rebuild_shown(replacing: bool = False, err: bool = False) -> int:
    """``rebuild_index`` with the progress bar of `reindex` (on stderr if ``err``; off a terminal, its label
    only); returns the document count."""
    from kb.search.documents import count_documents
    from kb.search.services import rebuild_index

    with click.progressbar(length=count_documents(), label="Индексация", show_pos=True,
                           file=sys.stderr if err else None) as bar:
        return rebuild_index(progress=bar.update, replacing=replacing)


INDEX_NEWER = ("Индекс построен более новой версией программы, чем эта: перезапустите этот процесс новой версией или, "
               "если возвращаетесь к этой версии, перестройте индекс: flask --app kb reindex.")
INDEX_UNREADABLE = ("Индекс нельзя прочитать: он построен прежней версией программы, повреждён или удалён. "
                    "Перестройте его: flask --app kb reindex (писатель индекса, flask --app kb indexer, и сайт на "
                    "встроенной базе перестраивают такой индекс сами).")


@command("check-index")
@click.option("--remove-unfinished", is_flag=True,
              help="Удалить папки перестроек индекса, прерванных до конца (процесс убит, машина остановлена).")
@with_appcontext
def check_index_command(remove_unfinished: bool) -> None:
    """Сравнить индекс с базой данных; код возврата 1, если есть расхождения."""
    from indexer import IndexNewer, IndexUnavailable
    from kb.search import rebuilding
    from kb.search.services import check_index, leftover_rebuilds

    try:
        report = check_index()
    except IndexNewer:
        _fail(INDEX_NEWER)
    except IndexUnavailable:
        _fail(INDEX_UNREADABLE)
    try:
        leftovers = leftover_rebuilds(remove=remove_unfinished)
    except OSError as exc:
        _fail(f"Не удалось проверить папки перестроек индекса: {os_error_reason(exc)}.")
    if leftovers is None:
        progress = rebuilding.current(current_app.config["INDEX_DIR"])
        click.echo(f"Идёт перестройка индекса: готово {progress.percent}\u00a0% ({progress.done} из {progress.total})."
                   if progress else "Индекс занят другим писателем: папки прерванных перестроек не проверены.")
    for leftover in leftovers or []:
        size = f"{leftover.path} ({leftover.size / 1_000_000:.1f} МБ)"
        click.echo(f"Удалена папка прерванной перестройки индекса: {size}." if remove_unfinished else
                   f"Осталась папка прерванной перестройки индекса: {size}; удалить: "
                   "flask --app kb check-index --remove-unfinished")
    for title, ids in (("Нет в индексе", report.missing), ("Лишние в индексе", report.extra),
                       ("Устарели в индексе", report.stale)):
        if ids:
            shown = ", ".join(ids[:20]) + (f" и ещё {len(ids) - 20}" if len(ids) > 20 else "")
            click.echo(f"{title} ({len(ids)}): {shown}")
    if report.pending:
        click.echo(f"Ожидают применения изменений: {report.pending} (flask --app kb sync-index).")
    if report.queued:
        _fail("Индекс отстаёт от базы данных только на изменения, ожидающие в очереди: их применит писатель "
              "индекса (запустите flask --app kb indexer, если он остановлен) или flask --app kb sync-index.")
    if not report.clean:
        _fail("Индекс расходится с базой данных. Исправить: flask --app kb reindex")
    click.echo("Индекс совпадает с базой данных.")


@command("sync-index")
@with_appcontext
def sync_index_command() -> None:
    """Применить к индексу изменения, ожидающие в очереди."""
    from kb.search import outbox
    from kb.search.services import get_index

    index_dir = current_app.config["INDEX_DIR"]
    try:
        applied = outbox.sync_index(get_index(), index_dir, wait=True)
    except (outbox.IndexOfAnotherDatabase, outbox.OutboxPruned) as exc:
        # its position is in another database's log, or changes it had not applied are gone from the log:
        # only a rebuild from the database makes it whole
        click.echo(f"{following_reason(exc)}: перестраиваю его по базе данных.")
        _rebuild_with_progress(replacing=True)
        return
    outbox.report_position(index_dir, force=True)
    click.echo(f"Применено изменений: {applied}.")


@command("prune-outbox")
@click.option("--keep-days", default=KEEP_DAYS, show_default=True, type=click.FloatRange(min=0), metavar="ДНЕЙ",
              help="Сколько дней хранить строки журнала изменений.")
@click.option("--dry-run", is_flag=True, help="Только показать, что будет удалено.")
@click.option("--forget", "forget", multiple=True, metavar="ИМЯ",
              help="Забыть экземпляр (выведенный из работы), чтобы его позицию больше не ждать.")
@with_appcontext
def prune_outbox_command(keep_days: float, dry_run: bool, forget: tuple[str, ...]) -> None:
    """Удалить из журнала изменений старые строки, которые применили все живые экземпляры индекса."""
    from kb.search import outbox

    for name in forget:
        if not outbox.forget_replica(name, dry_run=dry_run):
            _fail(f"Экземпляра «{name}» в списке нет.")
        click.echo(f"Экземпляр «{name}» " + ("будет забыт." if dry_run else "забыт: его позицию больше не ждём."))
    report = outbox.plan_pruning(keep_days, current_app.config["INDEX_DIR"], ignore=forget)
    click.echo("Экземпляры индекса:" if report.replicas else "Ни один экземпляр индекса не сообщал о себе.")
    for replica in report.replicas:
        if replica.reported_at is None:
            state = "этот экземпляр"
        else:
            state = f"сообщал {replica.reported_at:%d.%m.%Y %H:%M} UTC" + (
                "" if replica.live else f"; молчит дольше {outbox.LIVE_HOURS} ч — его не ждём, при возвращении "
                                        "он перестроит индекс")
        click.echo(f"  {replica.name}: позиция {replica.position} ({state})")
    if report.floor is None:
        click.echo(f"Нет ни одного живого экземпляра (сообщавшего о себе за {outbox.LIVE_HOURS} ч): "
                   "журнал не тронут.")
        return
    if not report.to_delete:
        click.echo(f"Удалять нечего: в журнале нет строк старше {keep_days:g} дн., применённых всеми живыми "
                   "экземплярами.")
        return
    if dry_run:
        click.echo(f"Будет удалено строк журнала: {report.to_delete} (по №{report.through_id}, старше "
                   f"{keep_days:g} дн.).")
        return
    with click.progressbar(length=report.through_id - report.first_id + 1, label="Удаление") as bar:
        deleted = outbox.prune(report, progress=bar.update)
    click.echo(f"Удалено строк журнала: {deleted} (по №{report.through_id}, старше {keep_days:g} дн.).")
    if forgotten := outbox.forget_silent_replicas(report.older_than):
        click.echo(f"Забыты экземпляры, молчащие дольше {keep_days:g} дн.: {', '.join(forgotten)}.")


@command("check-files")
@click.option("--remove-orphans", is_flag=True,
              help="Удалить файлы, которые не приложены ни к одной практике (старше часа).")
@with_appcontext
def check_files_command(remove_orphans: bool) -> None:
    """Сверить файлы практик на диске с базой данных; код возврата 1, если файла нет или он повреждён."""
    from kb.attachments.check import ORPHAN_MIN_AGE, check_files, used_files

    uses = used_files()
    try:
        with click.progressbar(length=len(uses), label="Проверка файлов", show_pos=True) as bar:
            report = check_files(remove_orphans, progress=bar.update, uses=uses)
    except OSError as exc:
        _fail(f"Проверка файлов не удалась: {os_error_reason(exc)}.")
    for title, found in (("Нет файла", report.missing), ("Файл повреждён (содержимое не совпадает с его "
                                                         "контрольной суммой)", report.damaged)):
        if found:
            lines = [f"  вложение {use.attachment_id} «{use.name}» практики {use.practice_id}"
                     for users in found.values() for use in users]
            click.echo(f"{title} — вложений: {len(lines)}")
            click.echo("\n".join(lines[:20]) + (f"\n  и ещё {len(lines) - 20}" if len(lines) > 20 else ""))
    if report.orphans:
        size = report.orphan_bytes / 1_000_000
        if remove_orphans:
            kept = len(report.orphans) - report.removed
            click.echo(f"Удалено файлов, не приложенных ни к одной практике: {report.removed}"
                       + (f"; моложе {ORPHAN_MIN_AGE // 3600} ч, оставлены: {kept}" if kept else "") + ".")
        else:
            click.echo(f"Файлов, не приложенных ни к одной практике: {len(report.orphans)} ({size:.1f} МБ); "
                       "удалить: flask --app kb check-files --remove-orphans")
    if not report.clean:
        # Not `restore`: it replaces the whole bank with the archive's, losing whatever came after it.
        _fail("Файлы практик расходятся с базой данных: возьмите эти файлы из папки uploads/ резервной копии "
              "(тот же путь внутри UPLOAD_DIR) или приложите их к практикам заново.")
    click.echo(f"Файлы практик совпадают с базой данных: проверено {report.checked}.")


REREAD_SHOWN = 100  # files not read named one by one at most; the rest counted


@command("reread-files")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(sorted(KINDS)), metavar="ТИП",
              help=f"Читать только файлы этого типа (можно несколько раз): {', '.join(sorted(KINDS))}.")
@click.option("--dry-run", is_flag=True, help="Только сосчитать, у скольких файлов изменится текст; ничего не "
                                              "записывать.")
@with_appcontext
def reread_files_command(kinds: tuple[str, ...], dry_run: bool) -> None:
    """Перечитать файлы практик этой версией программы и сохранить их текст там, где он изменился (поиск узнаёт
    новый текст через очередь индекса); код возврата 1, если файла нет на диске или он повреждён."""
    from indexer import IndexUnavailable
    from kb.attachments.reread import count_attachments, reread_files
    from kb.search.services import sync

    with click.progressbar(length=count_attachments(kinds), label="Чтение файлов", show_pos=True) as bar:
        report = reread_files(kinds, dry_run=dry_run, progress=bar.update)
    problems = report.problems
    click.echo(f"Прочитано файлов: {report.read}; текст {'изменится' if dry_run else 'изменился'} у {report.changed}"
               + (f"; не прочитано {len(problems)} — их текст оставлен прежним" if problems else "")
               + (" (--dry-run: ничего не записано)." if dry_run else "."))
    for problem in problems[:REREAD_SHOWN]:
        click.echo(f"  вложение {problem.attachment_id} «{problem.name}» практики {problem.practice_id}: "
                   f"{problem.reason}")
    if len(problems) > REREAD_SHOWN:
        click.echo(f"  и ещё {len(problems) - REREAD_SHOWN}")
    if report.changed and not dry_run:
        try:
            click.echo(f"Индекс обновлён: применено изменений {sync()}.")
        except IndexUnavailable as exc:
            click.echo(f"Индекс сейчас недоступен ({unreadable_reason(exc, current_app.config['INDEX_DIR'])}): "
                       "изменения применит писатель индекса или sync-index.")
    if report.lost:
        _fail(f"Файлов нет на диске или они повреждены: {len(report.lost)}. Возьмите их из папки uploads/ "
              "резервной копии (тот же путь внутри UPLOAD_DIR; какие — flask --app kb check-files) и выполните "
              "команду снова.")


def _name_problem(name: str) -> str | None:
    """Why a name typed at create-user's prompt does not do, or None (create_user checks --name the same way)."""
    from kb.accounts.models import NAME_IS_ADDRESS, User, is_address

    if not name:
        return "Укажите имя."
    if is_address(name):
        return NAME_IS_ADDRESS
    if len(name) > User.name.type.length:
        return f"Имя — не длиннее {User.name.type.length} символов (указано {len(name)})."
    return None


@command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "methodist", "teacher"]), default="teacher", show_default=True,
              help="Роль пользователя.")
@click.option("--region", "region_code", metavar="КОД",
              help="Код региона (ISO 3166-2:RU): регион пользователя и, для методиста, регион модерации.")
@click.option("--organisation", default="", metavar="НАЗВАНИЕ", help="Организация пользователя.")
@click.option("--scope", type=click.Choice(["region", "organisation"]), default="region", show_default=True,
              help="Что модерирует методист: весь регион --region или только организацию --organisation в нём.")
@click.option("--name", default="", metavar="ФИО", cls=TerminalPrompt, prompt="Фамилия, имя, отчество",
              check=_name_problem,
              help="Фамилия, имя, отчество: их видят другие посетители (составитель подборки). Не указано — "
                   "команда спросит; без терминала учётная запись создаётся без имени (вместо него видна роль).")
@click.password_option("--password", prompt="Пароль", metavar="ПАРОЛЬ", cls=RepeatedPrompt, repeat="Пароль ещё раз",
                       mismatch="Пароли не совпадают, введите ещё раз.",
                       help="Пароль (если не указан — будет запрошен).")
@with_appcontext
def create_user_command(email: str, role: str, region_code: str | None, organisation: str, scope: str, name: str,
                        password: str) -> None:
    """Создать учётную запись (например, первого администратора)."""
    from kb.accounts.services import AccountError, ScopeRegionMissing, create_user, record
    from kb.vocabularies.models import Region

    # «   » is no value (a methodist with it moderated nothing, a user with it had no name), as on the web forms
    region_code, organisation, name = (region_code or "").strip() or None, organisation.strip(), name.strip()
    if region_code and db.session.get(Region, region_code) is None:
        _fail(f"Неизвестный код региона: {region_code}. Список: /api/v1/vocabularies")
    if role == "methodist" and not (region_code or organisation):
        _fail("Для методиста укажите область модерации: --region (регион) или --organisation и --region "
              "с --scope organisation (организация в регионе).")
    # a methodist without --region can only be an organisation's (create_user refuses it without the region)
    by_organisation = role == "methodist" and (scope == "organisation" or not region_code)
    if by_organisation and not organisation:
        _fail("Для --scope organisation укажите и --organisation — организацию, которую методист модерирует в "
              "регионе --region.")
    try:
        user = create_user(
            email, name, password, role=role, organisation=organisation, region_code=region_code,
            scope_region_code=region_code if role == "methodist" else None,
            scope_organisation=organisation if by_organisation else None,
        )
    except ScopeRegionMissing as exc:
        _fail(f"{exc} В create-user укажите и --organisation, и --region, и --scope organisation.")
    except AccountError as exc:
        _fail(str(exc))
    record("user_created", None, "user", user.id, details={"role": role, "via": "cli"})
    db.session.commit()
    click.echo(f"Создан пользователь {user.email} ({user.role_label}).")
    if not user.has_name:
        click.echo(f"Имя не указано (--name): другие посетители видят вместо него «{user.role_label}». Его можно "
                   "указать после входа: «Профиль» → «Изменить профиль».")


@command("block-user")
@click.argument("email")
@click.option("--unblock", is_flag=True, help="Разблокировать учётную запись.")
@with_appcontext
def block_user_command(email: str, unblock: bool) -> None:
    """Заблокировать учётную запись (вход, сеансы, токены API) или разблокировать её (--unblock)."""
    from kb.accounts.services import find_user, set_blocked

    user = find_user(email)
    if user is None:
        _fail(f"Пользователя с адресом {email.strip()} нет.")
    if set_blocked(user, not unblock, None, via="cli"):
        db.session.commit()
        click.echo(f"Учётная запись {user.email} {'разблокирована' if unblock else 'заблокирована'}.")
    else:
        click.echo(f"Учётная запись {user.email} уже {'не заблокирована' if unblock else 'заблокирована'}.")


DELETE_UNANSWERED = "Ввод прерван: ответ не введён (без терминала подтвердите удаление параметром --yes)."


@command("delete-user")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Не спрашивать подтверждения.")
@with_appcontext
def delete_user_command(email: str, yes: bool) -> None:
    """Удалить учётную запись (152-ФЗ): сеансы, токены API, уведомления, подборки и неопубликованные практики;
    опубликованные практики остаются без владельца."""
    from indexer import IndexUnavailable
    from kb.accounts.deletion import delete_account, deletion_effects
    from kb.accounts.services import AccountError, find_user
    from kb.search.services import sync

    user = find_user(email)
    if user is None:
        _fail(f"Пользователя с адресом {email.strip()} нет.")
    effects = deletion_effects(user)
    address, name = user.email, user.display_name if user.has_name else "имя не указано"
    click.echo(f"Учётная запись {address} ({name}, {user.role_label}): удаляются неопубликованные практики — "
               f"{effects.unpublished}, подборки — {effects.collections} (открытых другим — "
               f"{effects.shared_collections}), токены API — {effects.api_tokens}; остаются без владельца "
               f"опубликованные и архивные практики — {effects.published}, загруженные реестром (в очереди "
               f"методистов) — {effects.imported}, отчёты о применении — {effects.adoptions}.")
    if not yes and not confirm("Удалить учётную запись? Это нельзя отменить", unanswered=DELETE_UNANSWERED):
        _fail("Ничего не удалено.")
    try:
        delete_account(user, None, via="cli")
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Учётная запись {address} удалена.")
    try:
        sync()  # the deleted practices' outbox rows (an unpublished practice is in the index of no copy, but its row
        # in the outbox waits for the writer all the same)
    except IndexUnavailable as exc:
        click.echo(f"Индекс сейчас недоступен ({unreadable_reason(exc, current_app.config['INDEX_DIR'])}): "
                   "изменения применит писатель индекса или sync-index.")


@command("backup")
@click.option("--output", "-o", default=None, metavar="ФАЙЛ|ПАПКА",
              help="Файл архива (.tar.gz или .tgz) в существующей папке или сама папка (тоже существующая): тогда "
                   "архив в ней получает имя по умолчанию (по умолчанию instance/backups/kb-ДАТА-ВРЕМЯ+ЧЧММ.tar.gz: "
                   "время банка, TIME_ZONE, и его смещение от UTC). Путь с «/» на конце или без расширения "
                   ".tar.gz/.tgz — папка.")
@with_appcontext
def backup_command(output: str | None) -> None:
    """Сохранить банк в один архив: база данных, загруженные файлы, настройки (без индекса)."""
    from kb.backup.services import BackupError, archive_target, backed_up_tables, create_backup, default_archive_name

    try:
        target = Path(current_app.instance_path) / "backups" / default_archive_name() if output is None \
            else archive_target(output)
        with click.progressbar(length=len(backed_up_tables()), label="Таблицы") as bar:
            report = create_backup(target, progress=bar.update, make_folder=output is None)
    except BackupError as exc:
        _fail(str(exc))
    counts = report.rows
    click.echo(f"Архив: {target} ({target.stat().st_size // 1024} КБ); строк: {sum(counts.values())}, "
               f"практик: {counts.get('practice', 0)}, резолюций: {counts.get('resolution', 0)}, "
               f"пользователей: {counts.get('user', 0)}; файлов: {report.files}.")
    if report.missing_files:
        click.echo(f"Внимание: файлов, которые есть у вложений, нет на диске: {len(report.missing_files)} — в архив "
                   "они не попали. Какие это вложения: flask --app kb check-files.")


@command("restore")
@click.argument("archive", type=click.Path(path_type=Path, exists=True, dir_okay=False), metavar="АРХИВ")
@click.option("--force", is_flag=True, help="Восстановить поверх существующих данных (они будут удалены).")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Восстановить банк из архива в пустой экземпляр (после flask --app kb init) и перестроить индекс."""
    from kb.backup.services import BackupError, restore_backup
    try:
        report = restore_backup(archive, force=force)
    except BackupError as exc:
        db.session.rollback()
        _fail(str(exc))
    if report.migrated_from:
        click.echo(f"Архив сделан более старой версией программы (схема {report.migrated_from}): база приведена к "
                   "его схеме, загружена и обновлена миграциями до схемы этой версии.")
    click.echo(f"Восстановлено строк: {sum(report.rows.values())} (практик: {report.rows.get('practice', 0)}, "
               f"резолюций: {report.rows.get('resolution', 0)}, пользователей: {report.rows.get('user', 0)}); "
               f"файлов: {report.uploads}; настройки: {'восстановлены' if report.config_restored else 'нет в архиве'}"
               + (f" (свои оставлены: {', '.join(report.config_kept)})" if report.config_kept else "") + ".")
    if report.replaced_files:
        click.echo(f"Удалено файлов прежнего банка, которые восстановленному не нужны: {report.replaced_files}.")
    if report.nul_removed:
        click.echo(f"Удалены символы NUL, которых PostgreSQL не хранит: {sum(report.nul_removed.values())} ("
                   + ", ".join(f"{name} — {count}" for name, count in sorted(report.nul_removed.items())) + ").")
    count = rebuild_shown(replacing=True)  # the index is of the bank replaced: no results from it meanwhile
    click.echo(f"Индекс перестроен: {count} документов.")
    report_organisations_without_region()


MIN_WRITER_INTERVAL = 0.05  # seconds: a shorter pause is a loop that only polls the database


def _writer_interval(_ctx: click.Context, _param: click.Parameter, value: float) -> float:
    """--interval of the writer: 0 polled the database without a pause, a negative one crashed the first idle
    round (time.sleep) and made a service restart for ever."""
    if not value >= MIN_WRITER_INTERVAL:  # NaN too
        raise click.BadParameter(f"пауза между проверками — не меньше {MIN_WRITER_INTERVAL:g} с, "
                                 f"а указано {value:g}.")
    return value


@command("indexer")
@click.option("--interval", default=0.5, show_default=True, type=float, callback=_writer_interval, metavar="СЕКУНД",
              help=f"Пауза между проверками очереди, секунд (не меньше {MIN_WRITER_INTERVAL:g}).")
@click.option("--once", is_flag=True, help="Применить накопившееся и выйти.")
@with_appcontext
def indexer_command(interval: float, once: bool) -> None:
    """Единственный писатель индекса: применять изменения из базы по мере их появления (для продакшена)."""
    import time

    from sqlalchemy.exc import OperationalError

    from indexer import IndexNewer

    index_dir = current_app.config["INDEX_DIR"]
    if not once:
        click.echo(f"Писатель индекса: {index_dir}; проверка очереди каждые {interval} с. Остановка: Ctrl+C.")
    _remove_leftover_rebuilds()
    failures = 0
    newer_said = waiting_said = False

    def say_waiting(lock: Path) -> None:  # a second writer: once, not at every round it waits again
        nonlocal waiting_said
        if not waiting_said:
            click.echo(f"Индекс уже пишет другой процесс (занята блокировка {lock}): жду, пока он её освободит.",
                       err=True)
            waiting_said = True

    try:
        while True:
            try:
                applied = follow_outbox(index_dir, on_wait=say_waiting)
            except IndexNewer as exc:
                reason = f"Индекс недоступен ({unreadable_reason(exc, index_dir)}); не трогаю его."
                if once:
                    _fail(reason)
                if not newer_said:  # said once, not every round of a writer nobody restarted yet
                    click.echo(reason, err=True)
                    newer_said = True
                time.sleep(max(interval, WRITER_MAX_PAUSE))
                continue
            except (OperationalError, OSError) as exc:  # the database restarting, the disk full: not for good
                with contextlib.suppress(Exception):
                    db.session.rollback()
                if once:
                    _fail(_failure_reason(exc))
                failures += 1
                pause = min(max(interval, 1.0) * 2 ** (failures - 1), WRITER_MAX_PAUSE)
                click.echo(f"{_failure_reason(exc)} Повторю через {pause:g} с.", err=True)
                time.sleep(pause)
                continue
            if failures or newer_said:
                click.echo("Писатель индекса снова работает.", err=True)
                failures, newer_said = 0, False
            if applied or once:
                click.echo(f"Применено изменений: {applied}" + (f" (индекс: {index_dir})." if once else "."))
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("Писатель индекса остановлен.")


def _remove_leftover_rebuilds() -> None:
    """The writer starting: the folders of rebuilds killed before it started (a `reindex` stopped with kill -9,
    say) go, unless a rebuild runs now."""
    from kb.search.services import leftover_rebuilds

    try:
        leftovers = leftover_rebuilds(remove=True, patience=0) or []
    except OSError as exc:
        click.echo(f"Папки прерванных перестроек индекса не удалены: {os_error_reason(exc)}.", err=True)
        return
    for leftover in leftovers:
        click.echo(f"Удалена папка прерванной перестройки индекса: {leftover.path} "
                   f"({leftover.size / 1_000_000:.1f} МБ).")


WRITER_MAX_PAUSE = 30.0  # seconds between the writer's attempts while the database or the disk fails


def _failure_reason(exc: Exception) -> str:
    """One line for the operator: why the index could not be written or read, or why the database did not
    answer."""
    from indexer import IndexLocked, IndexUnavailable
    from kb.search.outbox import IndexAccessDenied

    if isinstance(exc, IndexAccessDenied):
        return f"{exc}."
    if isinstance(exc, OSError):
        return _file_failure_reason(exc)
    if isinstance(exc, IndexLocked):
        return "Индекс занят другим процессом, который пишет в него: повторите команду позже."
    if isinstance(exc, IndexUnavailable):
        index_dir = _index_dir()
        return (f"Индекс недоступен ({unreadable_reason(exc, index_dir) if index_dir else 'его нельзя прочитать'})."
                " Перестройте его: flask --app kb reindex")
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if missing_schema(exc) and _schema_behind_now():  # the check before the command could not read it (no answer)
        return SCHEMA_BEHIND
    if missing_tables(exc):
        # a database the bank has not been set up in (SQLite; PostgreSQL's undefined_table)
        return f"В базе данных нет таблиц банка{_which_bank()}: сначала выполните «flask --app kb init»."
    if (getattr(getattr(exc, "orig", None), "sqlite_errorname", None) or "").startswith("SQLITE_IOERR"):
        # a completely full disk gives this even to a read (SQLite cannot grow its WAL index)
        return f"База данных недоступна ({reason}): проверьте, есть ли место на диске под ней."
    return f"База данных недоступна ({reason})."


INDEX_FOLDER_HINT = ("Проверьте путь (INDEX_DIR в config.py или переменная окружения KB_INDEX_DIR) и права: "
                     "пользователь, от которого запущена команда, должен иметь право создать эту папку, писать в неё "
                     "и в папку над ней (там файлы блокировки и состояния индекса).")
# A path that is wrong or not this user's to write (the hint above says what to check), unlike a full disk.
_PATH_ERRNOS = {errno.ENOENT, errno.ENOTDIR, errno.EEXIST, errno.EACCES, errno.EPERM, errno.EROFS}


def _file_failure_reason(exc: OSError) -> str:
    """Why a file of the index (the folder, index.lock and index.state.json beside it) could not be written: the
    folder, the file if another, the reason and, for a wrong path or missing rights, where the folder is set. An
    error of another file names that file; one without a file name (a write() on a full disk) names the index only
    when the index code raised it (storing an attached file is not writing the index)."""
    index_dir = _index_dir()
    path = os.fsdecode(exc.filename) if exc.filename is not None else None
    if index_dir is not None and path is not None and not _of_index(Path(path), Path(index_dir)):
        return f"Не удалось обратиться к файлу {path}: {os_error_reason(exc)}."
    if path is None and not _raised_by_index_code(exc):
        return f"Команда прервана: не удалось записать или прочитать файл — {os_error_reason(exc)}."
    folder = f" в папку {index_dir}" if index_dir else ""
    detail = f" ({path})" if path is not None and path != index_dir else ""
    hint = f" {INDEX_FOLDER_HINT}" if exc.errno in _PATH_ERRNOS else ""
    return f"Не удаётся записать индекс{folder}: {os_error_reason(exc)}{detail}.{hint}"


def _index_code() -> tuple[Path, ...]:
    """The folders of the code that reads and writes the index: the indexer, its search library, kb.search."""
    import indexer
    import kb.search

    folders = [Path(indexer.__file__).parent, Path(kb.search.__file__).parent]
    with contextlib.suppress(ImportError):
        import whoosh

        folders.append(Path(whoosh.__file__).parent)
    return tuple(folder.resolve() for folder in folders)


def _raised_by_index_code(exc: BaseException) -> bool:
    """Whether the index code was running when ``exc`` was raised (a frame of it is in the traceback)."""
    folders = _index_code()
    trace = exc.__traceback__
    while trace is not None:
        where = Path(trace.tb_frame.f_code.co_filename).resolve()
        if any(where.is_relative_to(folder) for folder in folders):
            return True
        trace = trace.tb_next
    return False


def _of_index(path: Path, index_dir: Path) -> bool:
    """The index folder, a file in it or beside it under its name (index.lock…), or a folder above it."""
    return str(path).startswith(str(index_dir)) or index_dir.is_relative_to(path)


def _index_dir() -> str | None:
    try:
        return _command_app().config["INDEX_DIR"]
    except Exception:  # noqa: BLE001 - only a detail of the message
        return None


def _command_app() -> Flask | None:
    """The app a command runs on (flask has built it to find the command), also outside its app context."""
    from flask.cli import ScriptInfo

    if current_app:
        return current_app._get_current_object()
    info = click.get_current_context().find_object(ScriptInfo)
    return info.load_app() if info is not None else None


def _which_bank() -> str:
    """« (база …, экземпляр …)»: which database and instance folder a command used, the password hidden (a
    mistyped KB_INSTANCE or KB_DATABASE_URL shows here); empty if the app cannot be found."""
    from sqlalchemy.engine import make_url

    try:
        app = _command_app()
        database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only a detail of the message
        return ""
    return f" (база {database}, экземпляр {app.instance_path})"


def rebuilt_line(count: int, built: str = "перестроен") -> str:
    return f"Индекс {built}: {count} {plural(count, 'документ', 'документа', 'документов')}."


def unreadable_reason(exc: Exception, index_dir: str) -> str:
    """Why the index cannot be read, in Russian: the exception's own text is English, for the log."""
    from indexer import IndexLocked, IndexNewer, IndexOutdated
    from kb.search.outbox import IndexOfAnotherDatabase, OutboxPruned
    from kb.search.rebuilding import IndexBeingReplaced

    if isinstance(exc, IndexLocked):
        return "индекс занят другим писателем"
    if isinstance(exc, IndexBeingReplaced):
        return "индекс перестраивается"
    if isinstance(exc, OutboxPruned | IndexOfAnotherDatabase):
        return str(exc)  # «журнал изменений удалён по №…, а индекс применил его только по №…», «… другой базе …»
    if isinstance(exc, IndexNewer):
        return "индекс построен более новой версией программы, а этот процесс — прежней: перезапустите его"
    if isinstance(exc, IndexOutdated):
        return "индекс построен прежней версией программы"
    from kb.search.outbox import access_problem

    if (problem := access_problem(index_dir)) is not None:
        return problem  # «нет доступа к папке индекса …: владелец — root…»
    if not Path(index_dir).is_dir():
        return f"папки индекса {index_dir} нет"
    return "индекс повреждён или его нельзя прочитать"


def follow_outbox(index_dir: str, on_wait: Callable[[Path], None] | None = None) -> int:
    """One round of the writer: apply pending changes, or rebuild an index that is gone or broken. Returns how
    many changes it applied: 0 after a rebuild, which says itself how many documents it wrote. ``on_wait`` is told
    the lock file when another writer holds it. An index another user's (``IndexAccessDenied``) is not rebuilt."""
    from indexer import IndexLocked, IndexNewer, IndexUnavailable
    from kb.search import outbox
    from kb.search.services import get_index

    index = get_index()
    try:
        # A deleted or damaged folder shows here even when no change is pending (cheap: the open
        # searcher is reused while the folder and its generation stay the same).
        index.doc_count()
        applied = outbox.sync_index(index, index_dir, wait=True, on_wait=on_wait)
    except IndexLocked as exc:
        # Someone else's long commit: not damage, the next round tries again.
        click.echo(f"Индекс занят ({exc}); повторю.", err=True)
        return 0
    except IndexNewer:
        # A writer left running through an upgrade: rebuilding would undo the new version's index (and the new
        # writer would rebuild it again). The loop says why, once, and waits until it is restarted on the new one.
        raise
    except IndexUnavailable as exc:
        outbox.check_access(index_dir)  # a folder that is another user's is not damage: a rebuild would not help
        click.echo(f"Индекс недоступен ({unreadable_reason(exc, index_dir)}); перестраиваю по базе данных.",
                   err=True)
        click.echo(rebuilt_line(rebuild_shown(replacing=True, err=True)), err=True)
        return 0
    outbox.report_position(index_dir)  # at most once a minute: how far this copy has got
    return applied


# The commands that make the instance folder when it is not there; the others stop (kb.missing_instance).
MAKE_INSTANCE = ("init", "demo")


def _instance_required(command: click.Command) -> None:
    """Before ``command`` runs on an app built without its instance folder (KB_INSTANCE mistyped, or a new bank):
    `init` and `demo` make it; any other stops with one line naming the folder, before it makes anything."""
    callback = command.callback

    @functools.wraps(callback)
    def run(*args, **kwargs):
        from kb import INSTANCE_MISSING, missing_instance, open_instance

        app = _command_app()
        if app is not None and app.extensions.get(INSTANCE_MISSING):
            if command.name not in MAKE_INSTANCE:
                raise missing_instance(app.instance_path)
            open_instance(app)
        return callback(*args, **kwargs)

    command.callback = run


# The commands that bring the schema to this version's themselves: the others stop on an older one.
MIGRATING = ("init", "restore")

for _command in _commands():
    _command.callback = _database_errors_reported(_command.callback, check_schema=_command.name not in MIGRATING)
    _instance_required(_command)
