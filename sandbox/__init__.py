"""The sandbox's Flask app: one app, the strategy named by AUTH_STRATEGY behind one interface."""

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from sandbox import extensions
from sandbox.commands import users_cli
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, config_errors, configure
from sandbox.database import check_reachable, database_uri
from sandbox.errors import register_error_handlers
from sandbox.introspection import bp as introspection_bp
from sandbox.login_limits import LoginLimits
from sandbox.routes import bp
from sandbox.store import (
    check_store_cache,
    check_store_mode,
    make_token_store,
    persistence_warning,
)
from sandbox.transports import make_transport
from sandbox.users import UserStore, db
from strategies.capabilities import PasswordCredentials, store_keys

MAX_BODY_BYTES = 16 * 1024


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    configuration = configure(config)
    settings, strategy = configuration.settings, configuration.strategy
    production = settings["SANDBOX_ENV"] == "production"

    instance_path = settings["INSTANCE_PATH"]
    app = Flask(__name__, instance_path=os.path.abspath(instance_path) if instance_path else None)
    app.config.update(settings, MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    os.makedirs(app.instance_path, exist_ok=True)

    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(
        settings["DATABASE_URL"], app.instance_path
    )
    db.init_app(app)
    users = UserStore(settings["PASSWORD_HASH_METHOD"], production=production)
    with app.app_context():
        with config_errors():
            check_reachable(db.engine, settings["DATABASE_URL"])
        users.create_tables()
        if not production:
            users.ensure(DEMO_USERNAME, DEMO_PASSWORD)

    if settings["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["TRUSTED_PROXIES"])  # type: ignore[method-assign]
    redis_url, cluster = settings["REDIS_URL"], settings["REDIS_CLUSTER"]
    with config_errors():
        uncached = check_store_cache(redis_url, cluster, settings["STORE_CACHE"])
        unreachable = check_store_mode(redis_url, cluster)
        login_limits = LoginLimits(
            settings["LOGIN_LIMIT_PER_USER"],
            settings["LOGIN_LIMIT_PER_CLIENT"],
            redis_url,
            settings["REDIS_KEY_PREFIX"],
            cluster,
        )
        store = (
            make_token_store(redis_url, cluster, settings["STORE_CACHE"])
            if strategy.stateful
            else None
        )
    strategy.init_app(app, users, store)
    if uncached:
        app.logger.warning(uncached)
    if unreachable:  # it may come back: the request path answers 503 until it does
        app.logger.warning(unreachable)
    elif (
        redis_url
        and store is not None
        and (lost := persistence_warning(redis_url, store_keys(strategy)))
    ):
        app.logger.warning(lost)
    transport = make_transport(strategy, settings, app.instance_path, store)
    password = strategy if isinstance(strategy, PasswordCredentials) else None
    extensions.install(
        app, extensions.Parts(strategy, users, login_limits, transport, store, password)
    )
    register_error_handlers(app, transport)
    app.register_blueprint(bp)
    app.register_blueprint(introspection_bp)
    app.cli.add_command(users_cli)
    return app
