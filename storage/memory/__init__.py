"""An in-memory storage backend: the unit-of-work port without a database.

It passes the same storage contract tests as SQLite and PostgreSQL (tests/storage, the
`memory` case of `uow_factory`), so a service test on it says what the service does on SQL,
in milliseconds. One module per repository, as in `storage/repositories/`; `state` holds the
tables and the copy-on-write transaction, `uow` the unit of work, `network_import` the
network import's stores (how a test seeds a network). No SQLAlchemy here.

    uow = MemoryUnitOfWorkFactory()                  # a new, empty database
    await seed_network(uow)                          # tests/support/backends.py
    services = Services(uow, Env(clock, b"key"))
    await services.run(CreateInvite(Role.KEEPER, "A-S1", request_key="k"), CLI_ACTOR)
"""

from storage.memory.state import IntegrityError, MemoryState, WriteConflict
from storage.memory.uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory

__all__ = [
    "IntegrityError",
    "MemoryState",
    "MemoryUnitOfWork",
    "MemoryUnitOfWorkFactory",
    "WriteConflict",
]
