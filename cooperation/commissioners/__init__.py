"""The commissioner register (行政相談委員名簿): see docs/commissioners.md and docs/privacy.md.

``models`` (Commissioner, CommissionerTerm, CommissionerAward, CommissionerBackground),
``services`` (every write), ``selectors`` (the overview, national counts),
``roundtrip`` (xlsx/CSV export and import), ``views``/``forms``/``urls``,
``events`` (``commissioner_*``) and ``demo`` (the demo register).
"""
