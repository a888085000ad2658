"""The page of a practice under review: its title and text first, then the expert assessment (a link to it under the
title), so that a methodist reads what she assesses before the form."""

from tests.conftest import client_of

TITLE = "Школьное научное общество в сельской школе"


def test_the_assessment_comes_after_the_practice_text(app, make_user, make_practice):
    users = {"methodist": make_user("methodist", scope_region="RU-CHE"), "owner": make_user("teacher")}
    with app.app_context():
        pid = make_practice(TITLE, status="submitted", owner_id=users["owner"],
                            goal_tasks="Цель практики: вовлечь детей.")
    page = client_of(app, users, "methodist").get(f"/practices/{pid}").get_data(as_text=True)
    title, text, form = page.index(f"<h1>{TITLE}</h1>"), page.index("Цель практики: вовлечь детей."), \
        page.index('id="assessment-title">Экспертная оценка</h2>')
    assert title < text < form
    assert page.index('<a href="#assessment">К экспертной оценке</a>') < text  # the way to it near the top
    public = client_of(app, users, "owner").get(f"/practices/{pid}").get_data(as_text=True)
    assert "К экспертной оценке" not in public  # no assessment yet: no link to nothing
