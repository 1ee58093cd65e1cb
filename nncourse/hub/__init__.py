"""The course on a JupyterHub for one machine: JupyterHub, nbgrader's exchange and local Linux users.

    python3 course.py hub                       create the shared environment, set up, start the hub
    nncourse hub setup --course CHECKOUT ...    write everything the hub needs (idempotent)
    nncourse hub add-students roster.csv        Linux users, passwords, nbgrader's students table
    nncourse hub start                          run JupyterHub in the foreground
    nncourse hub status                         where everything is

Everything lives under one PREFIX (default /srv/nncourse) except the users' homes (default /home):

    PREFIX/venv/                shared virtual environment (the course, nbgrader, JupyterLab, JupyterHub),
                                readable by everyone; venv/etc/jupyter/nbgrader_config.py holds the
                                course id and the exchange for every user
    PREFIX/exchange/            nbgrader's exchange (1777); exchange/<course_id>/ belongs to the instructor
    PREFIX/proxy/               configurable-http-proxy from npm
    PREFIX/etc/jupyter-students/, jupyter-instructors/   which nbgrader extensions each role gets
    PREFIX/hub/                 root only (0700): jupyterhub_config.py, settings.json, the hub's
                                database, cookie secret, the initial passwords (passwords.csv)
    HOME_BASE/<instructor>/<course_id>/   the course directory: solutions/, notebooks/, gradebook.db,
                                submitted/, autograded/, feedback/ (home 0700: no student can read it)

See docs/hub.md ("Teaching with a JupyterHub").
"""
