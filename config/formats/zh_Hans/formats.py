# Times to the second, as in English (see config/formats/en_GB); the rest as Django's zh_Hans.
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i:s"
SHORT_DATETIME_FORMAT = "Y/m/d H:i:s"
TIME_FORMAT = "H:i:s"
