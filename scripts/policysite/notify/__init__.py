"""Change notifications: subscribers, announcements and resumable delivery of the notice mail.

``store`` owns the database, ``compose`` the mail, ``transport`` SMTP and the outbox, ``send``
the delivery loop; ``announce`` decides which versions are announced and ``run`` ties them
together for the CLI.
"""
