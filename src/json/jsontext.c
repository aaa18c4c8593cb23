/*
** src/json/jsontext.c - the character tables of jsontext.h: shared by the JSON
** decoder, the encoder and the validator's own JSON reader.
*/
#include "jsontext.h"

#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v

const unsigned char jt_ws[256] = {
  ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1
};

const unsigned char jt_plain[256] = {
  R16(0), R16(0),
  1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x20: '"' */
  R16(1), R16(1),
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,  /* 0x50: '\\' */
  R16(1), R16(1),
};
