package com.example.patterns;

class Worker3Test extends AbstractWorker {}
