"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) served with their assets from the package.

FastAPI's default pages load Swagger UI and ReDoc from a CDN, so they stay blank without internet
access. Here the app is created with ``docs_url=None, redoc_url=None`` and these routes serve the same
pages pointing at the copies vendored under ``static/`` (versions and licences in
``static/README.md``), mounted at :data:`STATIC_PATH`.

Example::

    app = FastAPI(docs_url=None, redoc_url=None)
    add_docs_routes(app)
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PATH = "/static"
SWAGGER_JS = f"{STATIC_PATH}/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = f"{STATIC_PATH}/swagger-ui/swagger-ui.css"
FAVICON = f"{STATIC_PATH}/swagger-ui/favicon-32x32.png"
REDOC_JS = f"{STATIC_PATH}/redoc/redoc.standalone.js"


def add_docs_routes(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Mounts the vendored assets and adds the two documentation pages (left out of the schema).

    Example::

        add_docs_routes(app)  # then GET /docs and /redoc work offline
    """
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or f"{docs_url}/oauth2-redirect"

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=oauth2_redirect_url,
            swagger_js_url=SWAGGER_JS,
            swagger_css_url=SWAGGER_CSS,
            swagger_favicon_url=FAVICON,
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=REDOC_JS,
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,
        )
