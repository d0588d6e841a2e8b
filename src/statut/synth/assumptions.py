"""Behavioural assumptions of the synthetic population, in one place.

None of these is a legal figure (those are in contribution_table.py, from the domain file). They
are orders of magnitude chosen so the population looks like Belgium's self-employed: the capacity mix
given by issue 2 (roughly INASTI's yearly statistics: main ~60%, complementary ~28%, active
pensioner ~8%, student ~3%, assisting spouse ~1%), about a third women, more company directors among
main activities, a bankruptcy rate of about 0.5% a year (issue 2), mortality of the order of the
Belgian life tables (Statbel), fertility giving about 1.6 children per woman (Statbel, total fertility
rate of the 2020s), and the pension ages of the domain file (65, 66 from 2025, 67 from 2030).
Changing a value here changes the population for a given seed; the generator version then changes too.
"""

from __future__ import annotations

#: Capacities in the order of contribution_table.CAPACITIES.
CAPACITY_SHARES = (0.60, 0.28, 0.03, 0.01, 0.08)
MAIN, COMPLEMENTARY, STUDENT, ASSISTING_SPOUSE, ACTIVE_PENSIONER = range(5)

#: Share of each capacity already affiliated when the generated period starts (the rest start in it).
ALREADY_ACTIVE_SHARE = (0.62, 0.50, 0.35, 0.65, 0.50)
#: Mean years of affiliation before the period, for those already active (exponential, capped by age).
MEAN_PRIOR_YEARS = (9.0, 6.0, 1.5, 8.0, 3.0)

#: Age (years) when the person is first seen in the period: (mean, standard deviation, min, max),
#: for people already active at its start and for people starting in it.
AGE_ALREADY_ACTIVE = (
    (44.0, 10.0, 20.0, 66.0),
    (41.0, 10.0, 19.0, 66.0),
    (21.0, 1.8, 18.0, 24.4),
    (47.0, 9.0, 22.0, 66.0),
    (68.0, 3.0, 65.0, 79.0),
)
AGE_STARTING = (
    (35.0, 9.0, 19.0, 63.0),
    (34.0, 10.0, 18.0, 63.0),
    (20.5, 1.6, 18.0, 24.4),
    (40.0, 9.0, 22.0, 63.0),
    (66.5, 2.0, 65.0, 79.0),
)
MAX_AFFILIATED_AGE = 80

#: Share of women per capacity (assisting spouses are mostly women).
FEMALE_SHARE = (0.35, 0.38, 0.42, 0.85, 0.25)
#: Share of company directors (mandataire de société / bedrijfsleider) per capacity.
DIRECTOR_SHARE = (0.32, 0.18, 0.0, 0.0, 0.22)
#: People living abroad, known under a BIS number (not in the National Register).
NON_RESIDENT_SHARE = 0.012

#: Yearly probability that an affiliation stops (cessation), per capacity.
CESSATION_RATE = (0.06, 0.11, 0.15, 0.06, 0.10)
#: Yearly probability of bankruptcy (issue 2: ~0.5%/yr), per capacity (students and spouses: none).
BANKRUPTCY_RATE = (0.005, 0.005, 0.0, 0.0, 0.005)
#: At pension age: (retire, become active pensioner, carry on) per capacity; only main, complementary
#: and assisting spouse reach it.
AT_PENSION_AGE = (
    (0.55, 0.30, 0.15),
    (0.45, 0.40, 0.15),
    (1.0, 0.0, 0.0),
    (0.70, 0.20, 0.10),
    (1.0, 0.0, 0.0),
)
#: A student at 25 (end of the student-self-employed status): (stop, become main, become complementary).
STUDENT_AT_25 = (0.45, 0.45, 0.10)
#: Share of people who change fund once, at a quarter boundary.
FUND_SWITCH_SHARE = 0.08

#: Gompertz mortality: yearly probability of death exp(a + b * age), ~0.11% at 40, ~0.7% at 60, ~3% at 75.
MORTALITY_A, MORTALITY_B = -10.6, 0.095
#: Age-specific fertility of women 20-45: peak * exp(-((age - mean) / sd)^2 / 2), about 1.6 children each.
FERTILITY_PEAK, FERTILITY_MEAN_AGE, FERTILITY_SD = 0.128, 31.0, 5.0
FERTILITY_AGES = (20, 45)
#: Yearly probability of moving house (residents).
MOVE_RATE = 0.07

#: Incomes: lognormal median (euros of 2020) and log standard deviation per capacity; directors earn more.
INCOME_MEDIAN = (32_000.0, 9_000.0, 4_500.0, 14_000.0, 11_000.0)
INCOME_SIGMA = (0.75, 1.0, 0.8, 0.5, 0.9)
DIRECTOR_INCOME_FACTOR = 1.25
#: Person-level yearly growth (mean, sd), yearly noise sd, general indexation per year.
INCOME_GROWTH = (0.02, 0.03)
INCOME_NOISE_SD = 0.12
INCOME_INDEXATION = 0.02
#: Yearly probability of a zero income, per capacity.
ZERO_INCOME_RATE = (0.04, 0.10, 0.12, 0.03, 0.08)
MAX_INCOME_EUROS = 5_000_000.0

#: Payment behaviour: share of people who pay well, late, badly; per profile the probability of
#: (on time, late, partial, unpaid) for one quarter.
PAYER_PROFILE_SHARES = (0.88, 0.07, 0.05)
PAYMENT_OUTCOMES = (
    (0.97, 0.025, 0.003, 0.002),
    (0.40, 0.50, 0.05, 0.05),
    (0.20, 0.30, 0.20, 0.30),
)
#: A late payment arrives 1..this many days after the quarter's last day.
MAX_DAYS_LATE = 180

#: The external feeds are extracted this many days after the fund batches: what happens in between
#: (deaths, moves, enterprises stopping) is the known discrepancy between register and feed.
FEED_DELAY_DAYS = 45
#: Companies (director's enterprise) outlive the director's affiliation with this probability.
COMPANY_SURVIVES_DIRECTOR = 0.6
