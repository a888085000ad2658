"""Search: the outbox that feeds the index, and the search pages."""

from flask import Flask, g


def init_app(app: Flask) -> None:
    """After a request that wrote outbox rows, apply them to the index; templates get `similar_practices`."""
    from indexer import IndexUnavailable
    from kb.search.services import similar_practices, sync

    app.jinja_env.globals["similar_practices"] = similar_practices

    @app.after_request
    def _sync_index(response):
        if app.config["INDEX_SYNC_AFTER_REQUEST"] and g.pop("kb_outbox_written", False):
            try:
                sync()
            except IndexUnavailable:
                # The change is committed and its outbox rows stay: the next sync or a rebuild applies them.
                app.logger.warning("Index unavailable; committed changes wait in the outbox", exc_info=True)
        return response
