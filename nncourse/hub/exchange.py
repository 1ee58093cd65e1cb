"""nbgrader's submit, with each submission readable by the graders' group only.

nbgrader's own `submit` leaves a submission in the exchange's inbound/ folder world-readable
(folders 0755, the submission's top folder 0777, files 0644) and relies on the folder's random
name, which other students cannot list (inbound/ is 0733), to hide it. Whoever learns the name
can read (or, through the 0777 folder, replace) another student's work.

The hub recipe makes exchange/<course_id>/ belong to the instructor and to the group
<course_id>-graders with the set-group-id bit, so the folder a submission creates under inbound/
gets that group. `PrivateSubmit` then closes that folder to everyone else: 0770 instead of
nbgrader's 0777 (the student who owns it and the graders keep their access; `nbgrader collect`
reads it through the group). What is inside keeps nbgrader's permissions: the files nbgrader
writes after copying (timestamp.txt, submission_secret.txt) have the student's own group, and
the closed folder is what keeps other students out. Configured for every user in the shared
environment's nbgrader_config.py:

    c.ExchangeFactory.submit = "nncourse.hub.exchange.PrivateSubmit"

When inbound/ is not set up that way (no set-group-id bit, or a group the student is in), the
folder is left as nbgrader sets it, with a warning: closing it would lock the instructor out.
"""
from __future__ import annotations

import os
import stat

from nbgrader.exchange.default.submit import ExchangeSubmit

SUBMISSION_MODE = 0o770


class PrivateSubmit(ExchangeSubmit):
    def copy_files(self):
        super().copy_files()
        submission = os.path.join(self.inbound_path, self.assignment_filename)
        inbound = os.stat(self.inbound_path)
        group = os.stat(submission).st_gid
        if not (inbound.st_mode & stat.S_ISGID) or group != inbound.st_gid or group in {os.getegid(), *os.getgroups()}:
            self.log.warning("The exchange's inbound folder %s is not set up for private submissions (it needs "
                             "the graders' group and the set-group-id bit): your submission keeps nbgrader's "
                             "default permissions.", self.inbound_path)
            return
        os.chmod(submission, SUBMISSION_MODE)
