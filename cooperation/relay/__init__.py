"""The prefecture's relay of the request to its municipalities (0-1 市区町村への周知): dated records."""
