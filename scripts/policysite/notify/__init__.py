"""Change notifications: subscribers, announcements and resumable delivery of the notice mail.

``store`` owns the database, ``compose`` the mail, ``transport`` SMTP and the outbox, ``send``
the delivery loop; ``announce`` decides which versions are announced and what their notice
says, ``ledger`` is the proof of who was told what and when; ``run`` and ``report`` tie them
together for the CLI (``progress`` shows a run as it goes, ``preview`` a pull request's mail).
"""
