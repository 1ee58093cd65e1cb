"""nbgrader's submit, with each submission readable by the graders' group only.

nbgrader's own `submit` leaves a submission in the exchange's inbound/ folder world-readable
(folders 0755, the submission's top folder 0777, files 0644) and relies on the folder's random
name, which other students cannot list (inbound/ is 0733), to hide it. Whoever learns the name
can read (or, through the 0777 folder, replace) another student's work.

The hub recipe makes exchange/<course_id>/ belong to the instructor and to the group
<course_id>-graders with the set-group-id bit, so everything created under inbound/ has that group.
`PrivateSubmit` then closes the submission to everyone else: folders 0770, files 0640 (the
student who owns it and the graders keep their access; `nbgrader collect` reads it through the
group). Configured for every user in the shared environment's nbgrader_config.py:

    c.ExchangeFactory.submit = "nncourse.hub.exchange.PrivateSubmit"

When inbound/ is not set up that way (no set-group-id bit, or a group the student is in), the
permissions are left as nbgrader sets them, with a warning: closing them would lock the
instructor out of the submission.
"""
from __future__ import annotations

import os
import stat

from nbgrader.exchange.default.submit import ExchangeSubmit

DIRECTORY_MODE = 0o770
FILE_MODE = 0o640


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
        for folder, _, files in os.walk(submission):
            for name in files:
                os.chmod(os.path.join(folder, name), FILE_MODE)
            os.chmod(folder, DIRECTORY_MODE)
