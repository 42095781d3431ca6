/** The cart's total with VAT for the customer's region, in currency units rounded to cents. */
export function cartTotal(lines, region) {
  const net = lines.reduce((sum, line) => sum + line.price * line.qty, 0);
  let rate = 0.2;
  if (region === 'DE') rate = 0.19;
  else if (region === 'FR') rate = 0.2;
  else if (region === 'US') rate = 0;
  return Math.round(net * (1 + rate) * 100) / 100;
}
