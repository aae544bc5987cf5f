# Times to the second wherever Django formats a moment itself (the admin's record pages,
# forms): operators compare them with logs and webhook timestamps.
DATETIME_FORMAT = "j M Y, H:i:s"
SHORT_DATETIME_FORMAT = "d/m/Y H:i:s"
TIME_FORMAT = "H:i:s"
