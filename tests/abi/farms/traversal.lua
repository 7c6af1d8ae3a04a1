-- A plugin name is never a path.
plugin "../mocks_alt/good"
