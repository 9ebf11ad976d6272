"""`synic serve`: the dashboard in a browser, behind a token, Host/Origin checks and confined files."""
