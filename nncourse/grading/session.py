"""The grader's client of one job: send a request, wait (never forever) for the one reply to it.

Every wait has a deadline. A cell or call is given a soft limit the worker enforces itself (it
reports `timeout` and lives on); the grader waits GRACE seconds longer, then kills the job: code
that blocks the alarm or swallows it costs no more than that. Replies are decoded with the
bounded plain format (`wire`) and must answer the request's sequence number; anything else is
`tampered`, a dead job is `crashed` (with how it ended), a job that stops answering `timeout`.
"""
from __future__ import annotations

import pickle
import socket
import time

from . import wire
from .records import Status
from .sandbox import JobFailed, Slot

GRACE = 2.0              # seconds the grader waits beyond a soft limit before it kills the job
MESSAGE_CHARS = 500      # a message from the sandbox is cut to this many characters


class WorkerFault(BaseException):
    """The job timed out or died. A BaseException, so that a check's `except Exception` lets it by."""

    def __init__(self, status: Status, message: str, culprit: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.culprit = culprit      # the student's function that was running, when known


class Tampered(WorkerFault):
    """The job's replies broke the protocol (student code wrote to the wire): `tampered`."""

    def __init__(self, message: str):
        super().__init__(Status.TAMPERED, message)


class GraderError(Exception):
    """The grader itself could not run the job (the sandbox did not start)."""


def bounded(text, limit: int = MESSAGE_CHARS) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Session:
    """A live job for one submitted notebook, with the grader's end of the wire."""

    def __init__(self, slot: Slot, notebook: str, files: dict[str, bytes], deadline: float, startup: float):
        self.deadline = deadline
        try:
            self.job = slot.start_job(notebook, files, timeout=startup)
        except JobFailed as failure:
            raise GraderError(f"the sandbox could not start ({failure})") from None
        self.seq = 0
        self.sources: dict[str, str] = {}      # "<cell LABEL>" -> its code, to cite lines
        self.culprit: str | None = None         # the function the worker's last alarm interrupted

    def request(self, kind: str, *args, timeout: float, soft: float | None = None):
        """Send one request and return its reply (without the sequence number); WorkerFault if none comes.

        soft: the limit the worker enforces itself (sent along); the grader waits GRACE s more.
        """
        self.seq += 1
        wait = timeout if soft is None else soft + GRACE
        limit = min(time.monotonic() + wait, self.deadline)
        message = (self.seq, kind, *args) + ((soft,) if soft is not None else ())
        self.culprit = None
        try:
            payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            self.job.sock.sendall(wire._HEADER.pack(len(payload)) + payload)
        except OSError:
            raise self._died("the worker ended") from None
        while True:
            remaining = limit - time.monotonic()
            if remaining <= 0:
                self.close()
                shown = soft if soft is not None else timeout
                subject = f"{self.culprit} " if self.culprit else ""
                raise WorkerFault(Status.TIMEOUT, f"{subject}did not finish within {shown:g} s", self.culprit)
            self.job.sock.settimeout(remaining)
            try:
                reply = wire.recv(self.job.sock, plain=True)
            except (socket.timeout, TimeoutError):
                continue
            except (EOFError, OSError):
                raise self._died("the worker ended") from None
            except wire.MessageTooLarge:
                self.close()
                limit = wire.MAX_MESSAGE_BYTES // 2**20
                raise WorkerFault(Status.CRASHED, f"returned more than {limit} MB of data") from None
            except wire.WireError as error:
                self.close()
                raise Tampered(f"the worker sent a message the grader refuses ({bounded(error, 200)})") from None
            if not (isinstance(reply, tuple) and len(reply) >= 2 and isinstance(reply[0], int)
                    and isinstance(reply[1], str)):
                self.close()
                raise Tampered("the worker sent a malformed reply")
            if reply[0] == -1 and reply[1] == "exit":
                raise self._died(reply[2] if len(reply) > 2 else "the worker ended")
            if reply[0] != self.seq:
                self.close()
                raise Tampered("the worker answered a request it was not asked")
            if reply[1] == "note":
                if len(reply) > 3 and isinstance(reply[3], str):
                    self.culprit = bounded(reply[3], 100)
                continue
            if reply[1] == "fault":
                self.close()
                raise WorkerFault(Status.CRASHED, bounded(reply[3]) if len(reply) > 3 else "the worker failed",
                                  self.culprit)
            return reply[1:]

    def _died(self, how) -> WorkerFault:
        self.close()
        return WorkerFault(Status.CRASHED, f"crashed: {bounded(how, 200)}", self.culprit)

    def close(self) -> None:
        self.job.kill()
