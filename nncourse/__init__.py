"""nncourse: an open neural-network course in numpy.

- `nncourse.reference`: the reference implementation of every exercise (what students study).
- `nncourse.checks`: `check(name, func)`, the checks that give students feedback and grade them.
- `nncourse.datasets`: small data sets shipped with the package and toy-data generators.
- `nncourse.plots`: the figures the notebooks draw; `nncourse.playgrounds`: interactive widgets.
- `nncourse.progress`: the progress bar training shows.
- `nncourse.release`, `nncourse.grading`: the instructor's side (`nncourse release`, `nncourse autograde`).
"""

__version__ = "0.1.0"
