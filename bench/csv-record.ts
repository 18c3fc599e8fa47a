// One RFC 4180 record (the export's CSV dialect, src/core/store/export.ts): fields separated by
// commas, quoted when they hold a quote, comma or line break, a quote inside doubled. The store
// benchmark reads the CSV export back to feed its exceljs-alone baseline the export's own rows.
export function parseCsvRecord(record: string): string[] {
  if (!record.includes('"')) return record.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (record[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) throw new SyntaxError('unterminated quoted CSV field');
        value += record.slice(i, q);
        if (record[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = record.indexOf(',', i);
      const end = comma < 0 ? record.length : comma;
      fields.push(record.slice(i, end));
      i = end;
    }
    if (i >= record.length) return fields;
    if (record[i] !== ',') throw new SyntaxError(`CSV field ends with ${JSON.stringify(record[i])} instead of a comma`);
    i++;
    if (i === record.length) {
      fields.push('');
      return fields;
    }
  }
}
