"""Stage grid (一括更新): many local governments × items changed in one save, each cell checked on its own."""
