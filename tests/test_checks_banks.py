"""The banks' measures: every wrong implementation killed, no correct one rejected, in both windows."""
from banks.measure import measure, report


def test_banks_kill_rate_is_100_percent_and_false_rejects_are_0_for_the_check_and_the_grader(capsys):
    table = measure()
    with capsys.disabled():
        print("\n" + report(table))
    assert sum(row["wrong"] for row in table.values()) >= 200
    for notebook, row in table.items():
        assert row["killed_public"] == row["killed_graded"] == row["wrong"], notebook
        assert row["rejected_public"] == row["rejected_graded"] == 0, notebook
