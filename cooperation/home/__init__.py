"""Each role's home (ホーム): where a user lands after signing in, and the places the navigation offers."""
