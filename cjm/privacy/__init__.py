"""Personal data: finding it, scrubbing free text, pseudonymizing exports and checking outputs for leaks."""
