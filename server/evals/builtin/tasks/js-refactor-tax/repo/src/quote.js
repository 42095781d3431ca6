const RATES = { DE: 0.19, FR: 0.2, US: 0 };

/** A quote's price with VAT; a discount (0–1) is taken off the net amount first. */
export function quoteTotal(amount, region, discount = 0) {
  const net = amount * (1 - discount);
  const rate = region in RATES ? RATES[region] : 0.2;
  return Math.round(net * (1 + rate) * 100) / 100;
}
