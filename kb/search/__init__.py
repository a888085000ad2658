"""Search: the outbox that feeds the index, and the search pages."""

from flask import Flask, g


def init_app(app: Flask) -> None:
    """After a request that wrote outbox rows, apply them to the index; templates get `similar_practices`."""
    from indexer import IndexUnavailable
    from kb.search.repair import repair_later
    from kb.search.services import similar_practices, sync

    app.jinja_env.globals["similar_practices"] = similar_practices

    @app.after_request
    def _sync_index(response):
        if app.config["INDEX_SYNC_AFTER_REQUEST"] and g.pop("kb_outbox_written", False):
            # The change is committed and its outbox rows stay whatever happens here: the next sync or a
            # rebuild applies them. The answer says the change was saved, and so it was.
            try:
                sync()
            except IndexUnavailable as exc:
                app.logger.warning("Index unavailable; committed changes wait in the outbox", exc_info=True)
                repair_later(exc)
            except Exception:  # a full disk under the index, a lock held too long…
                app.logger.exception("Index not updated; committed changes wait in the outbox")
        return response
