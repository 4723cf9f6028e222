"""python -m demo ENGAGEMENT [--scale N] [--seed S] [--layout native|bitrix]"""
import sys

from demo.engagement import main

sys.exit(main())
