"""A bank of adversarial submissions for `nncourse autograde`, one per way a student might cheat or break it.

`cases.py` lists the cases (what the submission does and the exact score and status each exercise
must get); `build.py` turns them into a SUBMISSIONS folder (one student per case) from the real
course notebooks. `tests/test_grading_adversarial.py` grades the whole bank in one run.
"""
