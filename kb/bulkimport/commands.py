"""flask --app kb import-practices: load a registry of practices from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from kb.cli import command
from kb.extensions import db


@command("import-practices")
@click.argument("registry", type=click.Path(path_type=Path, exists=True, dir_okay=False), metavar="РЕЕСТР")
@click.option("--attachments", "archive", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              metavar="ZIP", help="ZIP с файлами, названными в столбце «Файлы».")
@click.option("--dry-run", is_flag=True, help="Только проверить: показать, что будет создано и обновлено, "
                                              "ничего не записывать.")
@click.option("--publish", is_flag=True, help="Сразу опубликовать загруженные практики (иначе — черновики).")
@click.option("--user", "email", metavar="EMAIL",
              help="От чьего имени загружать (методист или администратор); по умолчанию — первый администратор.")
@with_appcontext
def import_practices_command(registry: Path, archive: Path | None, dry_run: bool, publish: bool,
                             email: str | None) -> None:
    """Загрузить практики из реестра CSV, XLSX или ODS (одна строка — одна практика)."""
    from kb.accounts.models import User
    from kb.bulkimport.archive import ArchiveError
    from kb.bulkimport.registry import RegistryError, read_registry
    from kb.bulkimport.services import can_import, max_rows, open_archive, run_import
    from kb.search.services import sync

    if email:
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            _fail(f"Нет пользователя {email}.")
    else:
        user = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
        if user is None:
            _fail("В банке нет администратора: создайте его (flask --app kb create-user … --role admin) "
                  "или укажите --user.")
    if not can_import(user):
        _fail(f"{user.email}: загружать реестры могут только методисты и администраторы.")
    try:
        parsed = read_registry(registry.read_bytes(), max_rows(), registry.name)
        files = open_archive(archive)
    except (RegistryError, ArchiveError) as exc:
        _fail(f"{registry if isinstance(exc, RegistryError) else archive}: {exc}")

    click.echo(f"Реестр: {registry} — строк {len(parsed.rows)}; от имени {user.email} ({user.scope_label}).")
    try:
        with click.progressbar(length=len(parsed.rows), label="Проверка" if dry_run else "Загрузка",
                               show_pos=True) as bar:
            report = run_import(user, parsed, files, dry_run=dry_run, publish=publish, progress=bar.update)
    finally:
        if files is not None:
            files.close()
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()

    for warning in report.warnings:
        click.secho(f"Предупреждение: {warning}", fg="yellow")
    for row in report.rows:
        where = f" (№{row.practice_id})" if row.practice_id else ""
        ident = f" [{row.external_id}]" if row.external_id else ""
        click.secho(f"Строка {row.number}{ident}: {row.outcome(dry_run)}{where} — {row.title or 'без названия'}",
                    fg="red" if row.failed else None)
        for error in row.errors:
            click.secho(f"    ошибка: {error}", fg="red")
        for warning in row.warnings:
            click.secho(f"    предупреждение: {warning}", fg="yellow")
    click.echo(report.summary())
    if not dry_run:
        click.echo(f"Индекс обновлён: применено изменений {sync()}.")
    if report.failed:
        _fail(f"Строк с ошибками: {report.failed} из {len(report.rows)}.")


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)
