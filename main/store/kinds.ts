// The kinds of document a profile holds: its own module, so the query modules that
// name it (documents, compressions, means, the trash) need not import each other.
export type DocKind = 'tweet' | 'article';
