"""National cash-payment limits in the EU member states, and the EU-wide limit of the AMLR.

A reference table, to be reviewed by counsel before it is relied on: every row names the act and
article it comes from, and a row whose amount, date or article could not be confirmed says
"verify:" and why in its comment. A setting may replace the whole table (the compliance policy
takes its cash limits as an input), so a correction never needs a code change.

``max_cash`` is the LARGEST cash payment still allowed, in the currency the law states (never
converted). Where a law forbids payments "of X or more" it is one minor unit below X; where it
forbids payments "above" / "exceeding" X, or allows them "up to" X, it is X. Each row's comment
says which wording the law uses. Where a limit changed and the earlier value is known, both rows
are here; ``limits_in_force`` picks, per jurisdiction, the row with the latest ``valid_from``.

``scope`` is "B2B" where the limit binds only payments between traders (businesses), "ALL" where
it binds any payment in which at least one party is a trader (some of those laws also bind
private persons between themselves; that does not matter for trade).

One row per jurisdiction is in force at a time. Where a state has several regimes, the row is
the one that governs a trader selling a vehicle, and the comment names the others (PT: payments
by companies with organised accounting; SI: payments between taxable persons; RO: payments by
private persons; CY: the general cap voted in December 2024).

Member states considered that have NO general national cash-payment limit: AT, DE, EE, FI, IE,
LU, SE. (DE forbids cash only for the purchase of real estate, § 16a GwG, since 1 April 2023;
in these states large cash payments only trigger anti-money-laundering due diligence.) Only the
EU-wide AMLR limit applies there, from 10 July 2027. NL, long without one, has had a limit for
traders in goods since 1 January 2026; CY's limit covers dealers in motor vehicles, precious
metals and stones, works of art and antiques.

Pure data and a pure lookup: no I/O, no clock; safe in workflow code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from workflows.money import Money

# ISO 3166-1 alpha-2 codes of the 27 member states (Greece is GR here; VIES calls it EL).
MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
EU = "EU"
SCOPES: frozenset[str] = frozenset({"B2B", "ALL"})


@dataclass(frozen=True)
class CashLimit:
    jurisdiction: str  # ISO 3166 code of a member state (GR for Greece), or "EU"
    max_cash: Money  # the largest cash payment still allowed, in the limit's own currency
    valid_from: date  # first day in force
    # Defaults only for policies recorded before these fields existed; every row names both.
    scope: str = "ALL"  # "B2B" (only between traders) or "ALL" (at least one party is a trader)
    legal_source: str = ""  # the act and article


CASH_LIMITS: tuple[CashLimit, ...] = (
    # --- EU ---
    # "may accept or make a payment in cash only up to an amount of EUR 10 000": up to, so
    # EUR 10,000.00 itself is allowed. Applies from 10 July 2027 (Art. 90). Lower national
    # limits stay in force (Art. 80(2)-(3)).
    CashLimit(
        "EU",
        Money(1_000_000, "EUR"),
        date(2027, 7, 10),
        "ALL",
        "Regulation (EU) 2024/1624 (AMLR) art. 80(1), applicable from 10 July 2027 (art. 90)",
    ),
    # --- BE ---
    # "au-delà de 5.000 euros": exceeding; price of 5,000 or more payable in cash only up to
    # 10 % of the price, at most 5,000 (a per-price cap the table cannot express).
    # verify: first day in force (Loi 29.3.2012 published 6.4.2012; sources say April 2012).
    CashLimit(
        "BE",
        Money(500_000, "EUR"),
        date(2012, 4, 16),
        "ALL",
        "Loi du 11 janvier 1993 art. 21 (as amended by Loi du 29 mars 2012)",
    ),
    # "au-delà de 3.000 euros": exceeding; until 15.10.2017 a price of 3,000 or more was payable
    # in cash only up to 10 % of the price, at most 3,000 (not expressible here).
    CashLimit(
        "BE",
        Money(300_000, "EUR"),
        date(2014, 1, 1),
        "ALL",
        "Loi du 11 janvier 1993 art. 21 (as amended by Loi du 29 mars 2012)",
    ),
    # "ne peut être effectué ou reçu au-delà de 3.000 euros": exceeding; any amount of the debt.
    CashLimit(
        "BE",
        Money(300_000, "EUR"),
        date(2017, 10, 16),
        "ALL",
        "Loi du 18 septembre 2017 art. 67 § 2",
    ),
    # --- BG ---
    # "равна на или надвишаваща 15 000 лв.": 15,000 or more, so BGN 14,999.99.
    # verify: first day in force (promulgated SG 16/2011; sources give 9, 25 Feb or 1 Mar 2011).
    CashLimit(
        "BG",
        Money(1_499_999, "BGN"),
        date(2011, 3, 1),
        "ALL",
        "Закон за ограничаване на плащанията в брой (Limitation of Cash Payments Act) art. 3(1)",
    ),
    # "равна на или надвишаваща 10 000 лв.": 10,000 or more, so BGN 9,999.99 (SG 95/2015).
    CashLimit(
        "BG",
        Money(999_999, "BGN"),
        date(2016, 1, 1),
        "ALL",
        "Закон за ограничаване на плащанията в брой art. 3(1) (as amended, SG 95/2015)",
    ),
    # The euro replaced the lev on 1 January 2026: BGN 10,000 / 1.95583 = EUR 5,112.92, and
    # "equal to or exceeding" that, so EUR 5,112.91.
    # verify: assumes the statutory conversion; check whether the Act was amended to a round
    # euro amount when the euro was introduced.
    CashLimit(
        "BG",
        Money(511_291, "EUR"),
        date(2026, 1, 1),
        "ALL",
        "Закон за ограничаване на плащанията в брой art. 3(1), amounts converted under the "
        "Закон за въвеждане на еврото в Република България (Euro Introduction Act)",
    ),
    # --- CY ---
    # "ίσο ή μεγαλύτερο" (equal to or more than) EUR 10,000, so EUR 9,999.99. Binds dealers in motor
    # vehicles, precious metals and stones, works of art and antiques.
    # verify: first day in force (Law 13(I)/2018 published in the Gazette on 3 April 2018). A
    # general cap "up to EUR 10,000" (goods, services, real estate) was voted in December 2024;
    # its publication date was not confirmed and, for vehicle dealers, this stricter row stays.
    CashLimit(
        "CY",
        Money(999_999, "EUR"),
        date(2018, 4, 3),
        "ALL",
        "Law 188(I)/2007 on the Prevention and Suppression of Money Laundering art. 5A "
        "(added by Law 13(I)/2018)",
    ),
    # --- CZ ---
    # "platba, jejíž výše překračuje částku 350 000 Kč": exceeding; per payer, payee and day.
    # verify: first day of the CZK amount (the limit was EUR 15,000 before, CZK from 2013).
    CashLimit(
        "CZ",
        Money(35_000_000, "CZK"),
        date(2013, 1, 1),
        "ALL",
        "Zákon č. 254/2004 Sb., o omezení plateb v hotovosti, § 4(1)",
    ),
    # "překračuje částku 270 000 Kč": exceeding, so CZK 270,000.00 (Act 261/2014 from 1.12.2014).
    CashLimit(
        "CZ",
        Money(27_000_000, "CZK"),
        date(2014, 12, 1),
        "ALL",
        "Zákon č. 254/2004 Sb. § 4(1) (as amended by zákon č. 261/2014 Sb.)",
    ),
    # --- DK --- (businesses outside the AML Act's scope must not receive such payments)
    # "kontantbetalinger på 50.000 kr. eller derover": 50,000 or more, so DKK 49,999.99.
    # verify: first day in force (the new Hvidvasklov, lov nr. 651 af 8.6.2017, from 26.6.2017).
    CashLimit(
        "DK",
        Money(4_999_999, "DKK"),
        date(2017, 6, 26),
        "ALL",
        "Hvidvaskloven (lov nr. 651 af 8. juni 2017) § 5",
    ),
    # "20.000 kr. eller derover": 20,000 or more, so DKK 19,999.99 (in coins 19,999.50).
    CashLimit(
        "DK",
        Money(1_999_999, "DKK"),
        date(2021, 7, 1),
        "ALL",
        "Hvidvaskloven § 5 (as amended, in force 1 July 2021)",
    ),
    # "15.000 kr. eller derover": 15,000 or more, so DKK 14,999.99 (L 94 2023-24).
    CashLimit(
        "DK",
        Money(1_499_999, "DKK"),
        date(2024, 3, 1),
        "ALL",
        "Hvidvaskloven § 5 (as amended by L 94 of 2023-24, in force 1 March 2024)",
    ),
    # --- ES --- (a payer resident abroad and not acting as a trader has a higher limit)
    # "con un importe igual o superior a 2.500 euros": 2,500 or more, so EUR 2,499.99.
    CashLimit(
        "ES",
        Money(249_999, "EUR"),
        date(2012, 11, 19),
        "ALL",
        "Ley 7/2012 art. 7.Uno.1",
    ),
    # "igual o superior a 1.000 euros": 1,000 or more, so EUR 999.99.
    CashLimit(
        "ES",
        Money(99_999, "EUR"),
        date(2021, 7, 11),
        "ALL",
        "Ley 7/2012 art. 7.Uno.1 (as amended by Ley 11/2021)",
    ),
    # --- FR --- (a payer resident abroad, not a trader, has a higher limit; 3,000 before)
    # "au-delà de 1 000 euros": exceeding, so EUR 1,000.00.
    CashLimit(
        "FR",
        Money(100_000, "EUR"),
        date(2015, 9, 1),
        "ALL",
        "Code monétaire et financier art. L112-6 and D112-3 (Décret n° 2015-741)",
    ),
    # --- GR ---
    # above EUR 500 forbidden, so EUR 500.00 (fines raised in December 2023, limit unchanged).
    # verify: the article (Law 4446/2016 art. 66 for payments by private persons to businesses;
    # B2B invoices above 500 must be settled through a bank under the income tax rules).
    CashLimit(
        "GR",
        Money(50_000, "EUR"),
        date(2017, 1, 1),
        "ALL",
        "Law 4446/2016 art. 66",
    ),
    # --- HR ---
    # "u vrijednosti od 75.000,00 kuna i većoj": 75,000 or more, so HRK 74,999.99.
    CashLimit(
        "HR",
        Money(7_499_999, "HRK"),
        date(2018, 1, 1),
        "ALL",
        "Zakon o sprječavanju pranja novca i financiranja terorizma (NN 108/17) čl. 55",
    ),
    # 10,000 or more forbidden (same wording as above), so EUR 9,999.99 (euro from 1.1.2023).
    # verify: the euro amount set by NN 151/22 (HRK 75,000 converts to EUR 9,954.21).
    CashLimit(
        "HR",
        Money(999_999, "EUR"),
        date(2023, 1, 1),
        "ALL",
        "Zakon o sprječavanju pranja novca i financiranja terorizma čl. 55 "
        "(NN 108/17, 39/19, 151/22)",
    ),
    # --- HU ---
    # may not exceed HUF 1.5 million: exceeding forbidden, so HUF 1,500,000.00 per contract and
    # calendar month, between taxpayers obliged to hold a payment account.
    # verify: the section of the Act (the same limit stood in the former Act XCII of 2003
    # § 38/A before 2018).
    CashLimit(
        "HU",
        Money(150_000_000, "HUF"),
        date(2018, 1, 1),
        "B2B",
        "Act CL of 2017 on the Rules of Taxation (Art.), cash-payment limit between taxpayers",
    ),
    # --- IT ---
    # "pari o superiore a euro 3.000": 3,000 or more, so EUR 2,999.99.
    CashLimit(
        "IT",
        Money(299_999, "EUR"),
        date(2016, 1, 1),
        "ALL",
        "D.lgs. 231/2007 art. 49(1) (as amended by Legge 208/2015 art. 1(898))",
    ),
    # "pari o superiore a euro 2.000": 2,000 or more, so EUR 1,999.99, through 31.12.2022.
    # verify: the EUR 1,000 threshold due from 1.1.2022 was displaced by D.L. 228/2021 (conv.
    # Legge 15/2022), which kept 2,000 for 2022; sources read that as retroactive to 1.1.2022.
    CashLimit(
        "IT",
        Money(199_999, "EUR"),
        date(2020, 7, 1),
        "ALL",
        "D.lgs. 231/2007 art. 49(1) (as amended by D.L. 124/2019 art. 18)",
    ),
    # "pari o superiore a euro 5.000": 5,000 or more, so EUR 4,999.99.
    CashLimit(
        "IT",
        Money(499_999, "EUR"),
        date(2023, 1, 1),
        "ALL",
        "D.lgs. 231/2007 art. 49(1) (as amended by Legge 197/2022 art. 1(384))",
    ),
    # --- LT ---
    # payments "exceeding EUR 5,000" forbidden, so EUR 5,000.00.
    # verify: the article number of the 2022 Act.
    CashLimit(
        "LT",
        Money(500_000, "EUR"),
        date(2022, 11, 1),
        "ALL",
        "Atsiskaitymų grynaisiais pinigais ribojimo įstatymas (Law on the Restriction of Cash "
        "Payments, 2022)",
    ),
    # --- LV --- (a lower limit for vehicle sales by private persons was proposed in 2019)
    # "darījumus, kuru summa pārsniedz 7200 euro": exceeding, so EUR 7,200.00.
    # verify: first day; this is when the current wording (extended to private persons) took
    # effect; the limit between taxpayers existed before.
    CashLimit(
        "LV",
        Money(720_000, "EUR"),
        date(2017, 1, 1),
        "ALL",
        'Likums "Par nodokļiem un nodevām" (Law on Taxes and Fees) art. 30',
    ),
    # --- MT --- (sale or purchase of motor vehicles, sea-craft, real estate, jewellery, art,
    # antiques)
    # "amounting to EUR 10,000 or more": 10,000 or more, so EUR 9,999.99.
    CashLimit(
        "MT",
        Money(999_999, "EUR"),
        date(2021, 3, 9),
        "ALL",
        "Use of Cash (Restriction) Regulations, S.L. 373.04 (Legal Notice 81 of 2021)",
    ),
    # --- NL --- (traders in goods, vehicles included; services are not covered)
    # cash payments "of EUR 3,000 or more" forbidden, so EUR 2,999.99.
    # verify: first day (the Act left it to a decree; sources report 1 January 2026).
    CashLimit(
        "NL",
        Money(299_999, "EUR"),
        date(2026, 1, 1),
        "ALL",
        "Wwft art. 1f (added by the Wet plan van aanpak witwassen)",
    ),
    # --- PL --- (between entrepreneurs; the law states the amount in euro)
    # "przekracza równowartość 15.000 euro": exceeding, so the PLN equivalent of EUR 15,000.00.
    # verify: first day (the Act of 2 July 2004, in force 21 August 2004).
    CashLimit(
        "PL",
        Money(1_500_000, "EUR"),
        date(2004, 8, 21),
        "B2B",
        "Ustawa o swobodzie działalności gospodarczej art. 22(1)",
    ),
    # "przekracza 15 000 zł": exceeding, so PLN 15,000.00.
    CashLimit(
        "PL",
        Money(1_500_000, "PLN"),
        date(2017, 1, 1),
        "B2B",
        "Ustawa o swobodzie działalności gospodarczej art. 22(1) (as amended with effect "
        "from 1 January 2017)",
    ),
    # "przekracza 15 000 zł": exceeding, so PLN 15,000.00 (the 8,000 planned for 2024 was
    # withdrawn in June 2023).
    CashLimit(
        "PL",
        Money(1_500_000, "PLN"),
        date(2018, 4, 30),
        "B2B",
        "Ustawa Prawo przedsiębiorców art. 19",
    ),
    # --- PT --- (art. 63-E(2): invoices of 1,000 or more paid by companies with organised
    # accounting must be paid by traceable means; binds such payers, not this row)
    # "montantes iguais ou superiores a (euro) 3 000": 3,000 or more, so EUR 2,999.99.
    CashLimit(
        "PT",
        Money(299_999, "EUR"),
        date(2017, 8, 23),
        "ALL",
        "Lei Geral Tributária art. 63.º-E(1) (added by Lei 92/2017)",
    ),
    # --- RO --- (private persons paying traders: RON 10,000 a day)
    # "în limita unui plafon zilnic de 5.000 lei": up to RON 5,000.00 a day from one person.
    # (Lei 296/2023 cut it to 1,000 from 11.11.2023; OUG 98/2023 restored 5,000 first.)
    CashLimit(
        "RO",
        Money(500_000, "RON"),
        date(2015, 5, 9),
        "B2B",
        "Legea 70/2015 art. 3(1)(a)",
    ),
    # --- SI --- (ZDavP-2 also caps cash payments between taxable persons at EUR 420)
    # a cash payment that "exceeds EUR 5,000" may not be received, so EUR 5,000.00.
    # verify: first day (ZPPDFT-1, Uradni list 68/2016) and the article in ZPPDFT-2 (2022),
    # which replaced it.
    CashLimit(
        "SI",
        Money(500_000, "EUR"),
        date(2016, 11, 19),
        "ALL",
        "ZPPDFT-1 art. 67 (carried over into ZPPDFT-2)",
    ),
    # --- SK ---
    # a cash payment exceeding EUR 5,000 is forbidden, so EUR 5,000.00.
    CashLimit(
        "SK",
        Money(500_000, "EUR"),
        date(2013, 1, 1),
        "ALL",
        "Zákon č. 394/2012 Z.z. o obmedzení platieb v hotovosti § 4(1)",
    ),
)


def _jurisdiction(country: str) -> str:
    code = country.strip().upper()
    return "GR" if code == "EL" else code


def limits_in_force(
    country: str, on_date: date, table: Iterable[CashLimit] = CASH_LIMITS
) -> tuple[CashLimit, ...]:
    """The limits in force in ``country`` on ``on_date``: for each jurisdiction (the country
    itself and "EU") the entry with the latest ``valid_from`` on or before ``on_date``.

    ``country`` is upper-cased and stripped, and "EL" (Greece in VIES) is read as "GR". The
    country's own limit comes first, then the EU one. Empty tuple when none is in force.
    """
    state = _jurisdiction(country)
    in_force: dict[str, CashLimit] = {}
    for limit in table:
        if limit.jurisdiction not in (state, EU) or limit.valid_from > on_date:
            continue
        current = in_force.get(limit.jurisdiction)
        if current is None or limit.valid_from > current.valid_from:
            in_force[limit.jurisdiction] = limit
    order = (state,) if state == EU else (state, EU)
    return tuple(in_force[j] for j in order if j in in_force)
