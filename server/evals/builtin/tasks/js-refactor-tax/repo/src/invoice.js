/** An invoice's total with VAT: its items' amounts, taxed at the rate of the invoice's region. */
export function invoiceTotal(invoice) {
  let net = 0;
  for (const item of invoice.items) net += item.amount;
  let rate;
  switch (invoice.region) {
    case 'DE':
      rate = 0.19;
      break;
    case 'FR':
      rate = 0.2;
      break;
    case 'US':
      rate = 0;
      break;
    default:
      rate = 0.2;
  }
  return Math.round(net * (1 + rate) * 100) / 100;
}
