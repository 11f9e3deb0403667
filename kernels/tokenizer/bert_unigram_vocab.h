/* bert_unigram_vocab.h: a Unigram model's vocabulary read straight from tokenizer.json's text.
 *
 * A 250,000-piece vocabulary is most of its file, and json-glib's tree of it is most of the
 * load's time and memory. Where the vocabulary is written plainly, it is read here and cut
 * out of the text before json-glib parses the rest; anything else is left to json-glib and
 * the tree's reader, which give the same pieces and scores or the same error. An XLM-R
 * folder's sentencepiece model hands its pieces to the loader in the same form
 * (bert_sentencepiece_files.h).
 */
#ifndef BERT_UNIGRAM_VOCAB_H
#define BERT_UNIGRAM_VOCAB_H

#include <glib.h>

typedef struct _BertUnigramVocab {
  guint n;          /* pieces */
  char *text;       /* the pieces, one after another */
  guint32 *starts;  /* piece i is text[starts[i], starts[i + 1]) */
  double *numbers;  /* each piece's score as json-glib reads it */
  guint8 *integral; /* TRUE where the score was written as an integer (a G_TYPE_INT64 node) */
  /* TRUE: numbers are the scores themselves, not read from JSON text (a sentencepiece
   * model's floats, which transformers hands to tokenizers without JSON); integral is NULL */
  gboolean scores_exact;
} BertUnigramVocab;

/* When text (*length bytes) is a JSON object whose "model" object has "type": "Unigram"
 * (or no "type": only a Unigram has a vocab array) and a "vocab" array of ["piece", score] pairs written plainly (each once, keys without
 * escapes; pieces valid UTF-8 with no escape but \" \\ \/ \b \f \n \r \t and no control
 * character; scores as JSON's grammar writes numbers, finite, integers of up to 18 digits),
 * reads the pairs into vocab and replaces the array in text by "[]" (*length shrinks).
 * Otherwise FALSE, text untouched. Parse the text afterwards: where json-glib refuses it,
 * parse the original instead (its error, and where it lies, are the ones to report). */
gboolean bert_unigram_vocab_take (char *text, gsize *length, BertUnigramVocab *vocab);
void bert_unigram_vocab_clear (BertUnigramVocab *vocab);

#endif
