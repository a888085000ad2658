"""The statistics dashboard and the CSV file of each of its charts (methodists and administrators)."""


from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from kb.accounts.access import moderator_required
from kb.statistics import services
from kb.statistics.charts import bar_chart

bp = Blueprint("statistics", __name__, url_prefix="/statistics")


@bp.get("")
@moderator_required
def dashboard():
    # each table drawn twice: for a wide screen and, labels above the bars, for a phone (kb.css shows one)
    charts = [(bar_chart(table), bar_chart(table, narrow=True)) for table in services.dashboard(current_user)]
    return render_template("statistics/dashboard.html", charts=charts)


@bp.get("/<name>.csv")
@moderator_required
def table_csv(name: str):
    table = services.table(name, current_user)
    if table is None:
        abort(404)
    return Response(services.to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="statistics-{table.name}.csv"',
                             "Cache-Control": "private, no-store"})
